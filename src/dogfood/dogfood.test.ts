import { describe, expect, it } from "vitest";
import { dailyActivity } from "./daily-log.js";
import { formatEntry, markResolved, parseFriction } from "./friction-format.js";
import { frictionCounts, successMetrics } from "./metrics.js";
import { type CreationFacts, creationMetrics, evaluateCreation } from "./probes/creation-eval.js";
import { evaluateMulti, type MultiFacts } from "./probes/multi-eval.js";
import { evaluateRecovery } from "./probes/recovery-eval.js";
import { evaluateOrder, type TaskTimeline } from "./probes/tasks-eval.js";

const good: CreationFacts = {
  stages: [
    { stage: "template", ms: 5 },
    { stage: "worktree", ms: 40 },
    { stage: "ports", ms: 10, attempts: 3 },
    { stage: "compose_up", ms: 900 },
    { stage: "ready", ms: 100 },
  ],
  totalMs: 1200,
  newImages: { built: 0, pulled: 0 },
  ports: 3,
  errors: [],
  unreachable: [],
  branch: { expected: "nexus/probe-1", checkedOut: "nexus/probe-1" },
};
const failing = (facts: CreationFacts) =>
  evaluateCreation(facts, { maxDurationMs: 30_000 })
    .filter((c) => !c.pass)
    .map((c) => c.name);

describe("workspace-creation criteria", () => {
  it("all pass for a quick clean create", () => {
    expect(failing(good)).toEqual([]);
    expect(creationMetrics(good)).toMatchObject({
      worktree_creation_time_ms: 40,
      port_allocation_attempts: 3,
    });
  });
  it("each fails on its own cause", () => {
    expect(failing({ ...good, totalMs: 31_000 })).toEqual(["duration_under_limit"]);
    expect(failing({ ...good, stages: [...good.stages, { stage: "ports", ms: 1, attempts: 1 }] })).toEqual([
      "one_port_allocation_attempt",
    ]);
    expect(failing({ ...good, errors: ["Service db is unhealthy."] })).toEqual([
      "no_errors",
      "services_reachable_first_try",
    ]);
    expect(failing({ ...good, unreachable: ["service db is exited"] })).toEqual([
      "services_reachable_first_try",
    ]);
    expect(failing({ ...good, branch: { expected: "nexus/probe-1", checkedOut: "main" } })).toEqual([
      "branch_created_and_checked_out",
    ]);
  });
  it("attributes compose up to image work only when images were built or pulled", () => {
    expect(creationMetrics({ ...good, newImages: { built: 1, pulled: 0 } })).toMatchObject({
      template_download_time_ms: 900,
      docker_pull_time_ms: 0,
    });
  });
});

const multi: MultiFacts = {
  count: 3,
  createMs: 3000,
  errors: [],
  branches: ["a", "b", "c"].map((n) => ({
    name: n,
    expected: `nexus/${n}`,
    checkedOut: `nexus/${n}`,
    foreignFiles: 0,
  })),
  ports: [1, 2, 3],
  databases: { service: "db", leaks: 0 },
  switchesMs: [400, 500],
};
const multiFails = (f: MultiFacts) =>
  evaluateMulti(f, { maxSwitchMs: 10_000 })
    .filter((c) => !c.pass)
    .map((c) => c.name);

describe("multi-workspace criteria", () => {
  it("each fails on its own cause", () => {
    expect(multiFails(multi)).toEqual([]);
    expect(multiFails({ ...multi, ports: [1, 2, 2] })).toEqual(["no_port_conflict"]);
    expect(multiFails({ ...multi, databases: { service: "db", leaks: 2 } })).toEqual(["isolated_databases"]);
    expect(multiFails({ ...multi, switchesMs: [400, 12_000] })).toEqual(["context_switch_under_limit"]);
    expect(
      multiFails({
        ...multi,
        branches: [{ ...multi.branches[0]!, foreignFiles: 1 }, ...multi.branches.slice(1)],
      }),
    ).toEqual(["isolated_branches"]);
    expect(multiFails({ ...multi, errors: ["boom"] })).toContain("all_created");
  });
});

describe("recovery criteria", () => {
  const ok = { name: "container_kill", ms: 900, detail: "killed 2", unreachable: [], lost: [] };
  it("fails the injection that did not recover, and nothing_lost when work is gone", () => {
    expect(evaluateRecovery([ok]).every((c) => c.pass)).toBe(true);
    const broken = evaluateRecovery([
      { ...ok, error: "up failed" },
      { ...ok, name: "port_occupied", lost: ["row"] },
    ]);
    expect(broken.filter((c) => !c.pass).map((c) => c.name)).toEqual([
      "container_kill_recovered",
      "nothing_lost",
    ]);
    expect(evaluateRecovery([], "no docker")[0]).toMatchObject({ name: "workspace_created", pass: false });
  });
});

describe("task ordering criterion", () => {
  const t = (id: string, start: string, done: string, ws: string): TaskTimeline => ({
    id,
    status: "done",
    workspace: ws,
    startedAt: `2026-01-01T00:00:0${start}Z`,
    doneAt: `2026-01-01T00:00:0${done}Z`,
  });
  it("passes in order and in parallel; fails out of order, serial, or not done", () => {
    expect(
      evaluateOrder({
        first: t("a", "1", "3", "w1"),
        dependent: t("b", "4", "5", "w1"),
        independent: t("c", "1", "3", "w2"),
      }).pass,
    ).toBe(true);
    expect(
      evaluateOrder({
        first: t("a", "1", "3", "w1"),
        dependent: t("b", "2", "5", "w1"),
        independent: t("c", "1", "3", "w2"),
      }).detail,
    ).toContain("started before");
    expect(
      evaluateOrder({
        first: t("a", "1", "3", "w1"),
        dependent: t("b", "4", "5", "w1"),
        independent: t("c", "4", "5", "w2"),
      }).detail,
    ).toContain("same time");
    expect(
      evaluateOrder({
        first: { id: "a", status: "in_progress" },
        dependent: t("b", "4", "5", "w"),
        independent: t("c", "1", "3", "w2"),
      }).pass,
    ).toBe(false);
  });
});

describe("friction log format", () => {
  const entry = {
    id: "fr-3f9a",
    date: "2026-11-25",
    type: "command_confusion",
    severity: "low" as const,
    text: "up or start?",
    workaround: "--help",
  };
  it("round-trips, resolves one block only, and survives conflict markers", () => {
    const text = `# Friction log\n\n${formatEntry(entry)}\n${formatEntry({ ...entry, id: "fr-0001", text: "other" })}`;
    expect(parseFriction(text).entries).toEqual([entry, { ...entry, id: "fr-0001", text: "other" }]);
    const resolved = markResolved(text, "fr-3f9a", "2026-11-26")!;
    expect(parseFriction(resolved).entries[0]!.resolved).toBe("2026-11-26");
    expect(parseFriction(resolved).entries[1]!.resolved).toBeUndefined();
    expect(resolved.split("\n").filter((l) => !text.split("\n").includes(l))).toEqual([
      "resolved: 2026-11-26",
    ]);
    const conflicted = `<<<<<<< HEAD\n${formatEntry(entry)}=======\n${formatEntry({ ...entry, id: "fr-0002" })}>>>>>>> b\n`;
    expect(parseFriction(conflicted)).toMatchObject({
      conflicted: true,
      entries: [{ id: "fr-3f9a" }, { id: "fr-0002" }],
    });
    expect(frictionCounts(parseFriction(resolved).entries)).toEqual({
      total: 2,
      open: 1,
      byType: { command_confusion: 2 },
      bySeverity: { low: 2 },
    });
  });
});

describe("daily activity and success metrics", () => {
  const row = (command: string, ws: string | null, success = 1, duration_ms = 100) => ({
    ts: "2026-11-25T10:00:00Z",
    command,
    duration_ms,
    success,
    workspace_hash: ws,
  });
  it("counts a switch only when the workspace differs from the previous switch command", () => {
    const rows = [
      row("workspace use", "a"),
      row("workspace path", "a"),
      row("task list", null),
      row("workspace exec", "b"),
      row("workspace shell", "a", 0),
    ];
    expect(dailyActivity(rows)).toEqual({
      workspaces_active: 2,
      context_switches: 2,
      commands_run: 5,
      errors: 1,
    });
  });
  it("judges the plan's metrics and says when there is no data", () => {
    const ev = (command: string, duration_ms: number, success = 1) => ({
      ts: "",
      command,
      duration_ms,
      success,
      error_category: null,
      template: null,
    });
    const metrics = successMetrics(
      [ev("task list", 6000), ev("workspace use", 200), ev("workspace shell", 60_000, 0)],
      [10_000],
    );
    expect(metrics.map((m) => m.pass)).toEqual([false, true, true]);
    expect(successMetrics([]).every((m) => m.pass === undefined)).toBe(true);
  });
});
