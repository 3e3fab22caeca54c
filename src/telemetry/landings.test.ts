import { describe, expect, it } from "vitest";
import { renderDashboard } from "./dashboard.js";
import { renderDashboardHtml } from "./dashboard-html.js";
import { computeImprovements } from "./improvements.js";
import { landingFigures } from "./landings.js";
import { completedTasks, computeStats } from "./stats.js";
import type { DomainEvent } from "./store.js";

let id = 0;
function domain(fields: Partial<DomainEvent>): DomainEvent {
  return {
    id: ++id,
    ts: "2026-11-20T10:00:00.000Z",
    type: "task",
    action: "completed",
    subject: "h1",
    template: null,
    duration_ms: 0,
    error_category: null,
    raw_data: null,
    ...fields,
  };
}

const sentBack = (subject: string, cause: unknown, ts = "2026-11-21T09:00:00.000Z") =>
  domain({ subject, action: "sent_back", ts, raw_data: JSON.stringify({ cause }) });

const window = { since: "2026-11-19T00:00:00.000Z", until: "2026-11-26T00:00:00.000Z" };

describe("landings in telemetry (pure)", () => {
  const events = [
    domain({ subject: "t1" }),
    domain({ subject: "t1", action: "landed" }),
    domain({ subject: "t2" }),
    domain({ subject: "t2", action: "landed", ts: "2026-11-21T08:00:00.000Z" }),
    domain({ subject: "t3" }),
    sentBack("t3", "conflict"),
    domain({ subject: "t4" }),
    sentBack("t4", "conflict"),
    domain({ subject: "t5" }),
    sentBack("t5", "checks", "2026-11-22T09:00:00.000Z"),
    sentBack("t6", "a file name, never stored"),
  ];

  it("counts landed per day and sent back by cause; an unknown cause is only 'other'", () => {
    expect(landingFigures(events)).toEqual({
      landed: 2,
      sentBack: 4,
      sentBackByCause: [
        { cause: "conflict", count: 2 },
        { cause: "checks", count: 1 },
        { cause: "other", count: 1 },
      ],
      perDay: [
        { day: "2026-11-20", landed: 1, sentBack: 0 },
        { day: "2026-11-21", landed: 1, sentBack: 3 },
        { day: "2026-11-22", landed: 0, sentBack: 1 },
      ],
    });
    expect(landingFigures([domain({ action: "sent_back", raw_data: "{not json" })]).sentBackByCause).toEqual([
      { cause: "other", count: 1 },
    ]);
  });

  it("a send-back undoes a completion as a rejection does; a landing keeps it", () => {
    expect(completedTasks(events)).toBe(2);
    expect(completedTasks([...events, domain({ subject: "t3" })])).toBe(3);
    const stats = computeStats([], [], window, events);
    expect(stats.tasksCompleted).toBe(2);
    expect(stats.landings).toMatchObject({ landed: 2, sentBack: 4 });
  });

  it("shows them on the dashboard: a line in the box, cards and charts in the page", () => {
    const stats = computeStats([], [], window, events);
    const box = renderDashboard({ stats, insights: [] }, 100);
    expect(box).toContain("Landings: 2 landed, 4 sent back (conflict 2, checks 1, other 1)");
    const html = renderDashboardHtml({ stats, insights: [] });
    for (const text of ["Tasks landed", "Sent back by nexus land", "Landings per day", "Sent back by cause"])
      expect(html).toContain(text);
    expect(html).toContain(">conflict</text>");
  });

  it("suggests a change when a quarter of landings go back, by their most common cause", () => {
    const [found] = computeImprovements({ events: [], domain: events });
    expect(found).toMatchObject({ id: "improve:landing", frequency: 4 });
    expect(found!.description).toBe(
      "`nexus land` sent back 4 of 6 tasks; the most common cause is `conflict` (2).",
    );
    expect(found!.suggestion).toContain("Land more often");
    const mostlyLanded = [...events, ...Array.from({ length: 11 }, () => domain({ action: "landed" }))];
    expect(computeImprovements({ events: [], domain: mostlyLanded })).toEqual([]);
  });
});
