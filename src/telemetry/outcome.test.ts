import { describe, expect, it } from "vitest";
import { renderDashboard } from "./dashboard.js";
import { renderDashboardHtml } from "./dashboard-html.js";
import { computeImprovements } from "./improvements.js";
import { computeInsights } from "./insights.js";
import { type Outcome, outcomeOf } from "./outcome.js";
import { computeStats } from "./stats.js";
import type { StatEvent } from "./store.js";

let minute = 0;
function run(command: string, outcome: Outcome, error_category: string | null = null): StatEvent {
  const ts = new Date(Date.parse("2026-11-20T10:00:00.000Z") + ++minute * 60_000).toISOString();
  return {
    ts,
    command,
    duration_ms: 50,
    success: outcome === "ok" ? 1 : 0,
    error_category,
    outcome,
    template: null,
  };
}
const times = (n: number, make: () => StatEvent) => Array.from({ length: n }, make);

/** The history issue 19 saw: 26 of 35 claims lost a race, red `npm test` runs, failed gates, 3 real failures. */
const history = [
  ...times(9, () => run("task claim", "ok")),
  ...times(26, () => run("task claim", "refused", "conflict")),
  ...times(5, () => run("workspace exec", "ok")),
  ...times(6, () => run("workspace exec", "passed_through")),
  ...times(2, () => run("task complete", "ok")),
  ...times(4, () => run("task complete", "gate_failed", "gate_failed")),
  ...times(3, () => run("task show", "refused", "not_found")),
  ...times(42, () => run("task list", "ok")),
  ...times(3, () => run("workspace up", "failed", "docker")),
];
const window = { since: "2026-11-01T00:00:00.000Z", until: "2026-11-30T00:00:00.000Z" };

describe("command outcomes", () => {
  it("classifies a command's end by what it was", () => {
    expect(outcomeOf({ exitCode: 0 })).toBe("ok");
    expect(outcomeOf({ exitCode: 1, thrownCategory: "conflict" })).toBe("refused");
    expect(outcomeOf({ exitCode: 2, thrownCategory: "validation" })).toBe("refused");
    expect(outcomeOf({ exitCode: 1, thrownCategory: "not_found" })).toBe("refused");
    expect(outcomeOf({ exitCode: 1, notedCategory: "gate_failed" })).toBe("gate_failed");
    expect(outcomeOf({ exitCode: 3, notedOutcome: "passed_through" })).toBe("passed_through");
    // Nexus failing around the user's command is Nexus's failure, whatever was noted before.
    expect(outcomeOf({ exitCode: 1, thrownCategory: "docker", notedOutcome: "passed_through" })).toBe(
      "failed",
    );
    expect(outcomeOf({ exitCode: 1, thrownCategory: "internal", notedCategory: "gate_failed" })).toBe(
      "failed",
    );
    for (const category of [
      "internal",
      "docker",
      "docker_unavailable",
      "git",
      "config",
      "timeout",
      undefined,
    ])
      expect(outcomeOf({ exitCode: 1, thrownCategory: category })).toBe("failed");
  });

  it("counts only Nexus's own failures in the failure rate, and the others apart", () => {
    const stats = computeStats(history, [], window);
    expect(stats.commands).toBe(100);
    expect(stats.outcomes).toEqual({ ok: 58, failed: 3, refused: 29, passed_through: 6, gate_failed: 4 });
    expect(stats).toMatchObject({ failureRate: 0.03, successRate: 0.97, failureRateMet: true });
    expect(stats.byCommand.find((c) => c.command === "task claim")).toMatchObject({
      count: 35,
      failures: 0,
      refused: 26,
    });
    expect(stats.byCommand.find((c) => c.command === "workspace exec")).toMatchObject({
      failures: 0,
      passedThrough: 6,
    });
    expect(stats.byCommand.find((c) => c.command === "task complete")).toMatchObject({
      failures: 0,
      gateFailed: 4,
    });
    expect(stats.errors).toEqual([{ category: "docker", count: 3 }]);
    expect(stats.refusals).toEqual([
      { category: "conflict", count: 26 },
      { category: "not_found", count: 3 },
    ]);
    expect(stats.perDay).toEqual([{ day: "2026-11-20", commands: 100, failures: 3 }]);
  });

  it("gives advice only about Nexus's failures and notes the others as their own lines", () => {
    const insights = computeInsights(history, new Date("2026-11-21T00:00:00.000Z"));
    expect(insights.filter((i) => i.kind === "error").map((i) => i.id)).toEqual(["error:docker"]);
    expect(insights.filter((i) => i.kind === "note").map((i) => [i.id, i.frequency])).toEqual([
      ["outcome:refused", 29],
      ["outcome:passed_through", 6],
      ["outcome:gate_failed", 4],
    ]);
    const refused = insights.find((i) => i.id === "outcome:refused")!;
    expect(refused.description).toBe(
      "29 refusals that did their job (a claim lost to another agent, bad input, a missing name) (26 in task claim, 3 in task show): not counted as Nexus failures.",
    );
    expect(computeImprovements({ events: history, domain: [] }).map((i) => i.id)).not.toContain(
      "improve:failure-rate",
    );
  });

  it("shows the others in the dashboard, not as issues", () => {
    const stats = computeStats(history, [], window);
    const insights = computeInsights(history, new Date("2026-11-21T00:00:00.000Z"));
    const box = renderDashboard({ stats, insights }, 200);
    expect(box).toContain("3.0% failed, target < 5% ✓");
    expect(box).toContain("Not Nexus failures: 29 refused (conflict 26, not_found 3), 6 passed through");
    expect(box).toContain("4 failed gates");
    expect(box).toContain("• Container failures (3 occurrences)");
    expect(box).not.toContain("Conflicts (");
    const html = renderDashboardHtml({ stats, insights });
    expect(html).toContain("Refused (did their job)");
  });
});
