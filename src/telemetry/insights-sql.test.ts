import { describe, expect, it } from "vitest";
import { isolatedHome } from "../../test/helpers/fs.js";
import type { Db } from "../core/db.js";
import { computeImprovements, improvementsFrom } from "./improvements.js";
import { computeInsights, type Insight } from "./insights.js";
import { insightsSince } from "./insights-sql.js";
import { insightsFor, windowOf } from "./report.js";
import { NOTABLE } from "./schema.js";
import { domainEventsSince, eventsSince, openTelemetry, sessionsByCategory } from "./store.js";

const COMMANDS = ["workspace list", "task list", "task claim", "workspace exec", "workspace up", "stats", ""];
const OUTCOMES = [null, "ok", "ok", "failed", "refused", "passed_through", "gate_failed"];
const CATEGORIES = [
  null,
  null,
  "",
  "docker_unavailable",
  "port_conflict",
  "validation",
  "gate_failed",
  "git",
];
const DAY = 86_400_000;

/** A small deterministic generator: the same varied rows on every run. */
function rng(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n); // the high bits: the low ones repeat soon
  };
}

type Row = [string, string, string, string, number, number, string | null, string | null];

function insert(db: Db, rows: Row[]): void {
  const statement = db.prepare(
    `INSERT INTO events (timestamp, session_id, event_type, command, duration_ms, success, exit_code,
       error_category, outcome, nexus_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '0.1.0')`,
  );
  db.transaction(() => {
    for (const row of rows) statement.run(...row.slice(0, 6), 1 - row[5], row[6], row[7]);
  })();
}

/** Varied rows over 35 days: ties, fractions, every outcome, rising and slow commands, 1, 2 and many runs. */
function varied(now: Date, count: number): Row[] {
  const next = rng(7);
  const start = now.getTime() - 35 * DAY;
  return Array.from({ length: count }, (_, i): Row => {
    const at = start + (i * 35 * DAY) / count;
    const outcome = OUTCOMES[next(OUTCOMES.length)]!;
    const success = outcome === "ok" || (outcome === null && next(2) === 0) ? 1 : 0;
    const command = i === 5 ? "once" : i % 97 === 0 ? "twice" : COMMANDS[next(COMMANDS.length)]!;
    // Ties (a few whole values) and fractions; `task list` is over its target, `workspace up` gets slower.
    let duration = next(3) ? 10 * next(8) : next(100_000) / 7;
    if (command === "task list") duration += 300;
    if (command === "workspace up" && now.getTime() - at < 7 * DAY) duration += 200;
    const type = next(20) ? "command" : "task";
    const category = CATEGORIES[next(CATEGORIES.length)]!;
    return [new Date(at).toISOString(), `s${next(9)}`, type, command, duration, success, category, outcome];
  });
}

/** The JS path as `insightsFor` took it: every event of the window read, then computed. */
function reference(db: Db, since: string, now: Date): Insight[] {
  const events = eventsSince(db, since);
  return [
    ...computeInsights(events, now),
    ...computeImprovements({ events, domain: domainEventsSince(db, since) }),
  ];
}

function counted(db: Db, since: string, now: Date): Insight[] {
  const found = insightsSince(db, since, now);
  return [...found.insights, ...improvementsFrom(found.improvements, domainEventsSince(db, since))];
}

describe("insights counted in SQLite equal the JS computation", () => {
  it("deep-equal over varied events and several windows, rows out of time order included", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const now = new Date("2026-12-01T12:00:00.250Z");
    const rows = varied(now, 4000);
    // A few rows recorded late (a clock set back): spans follow the order rows were recorded in.
    insert(db, [...rows, ...rows.slice(3000, 3010).map((r): Row => [r[0], "s1", ...r.slice(2)] as Row)]);
    const kinds = new Set<string>();
    for (const days of [30, 14, 10, 7, 1]) {
      const { since } = windowOf(days, now);
      const expected = reference(db, since, now);
      expect(counted(db, since, now)).toEqual(expected);
      for (const i of expected) kinds.add(i.id.replace(/:.*/, ""));
    }
    expect([...kinds].sort()).toEqual(["error", "improve", "outcome", "rising", "slow"]);
    db.close();
  });

  it("breaks ties by the first seen, counts `unknown` causes and an empty window as JS does", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const now = new Date("2026-12-01T12:00:00.000Z");
    const { since } = windowOf(30, now);
    expect(counted(db, since, now)).toEqual([]);
    const at = (i: number) => new Date(now.getTime() - DAY + i * 1000).toISOString();
    const row = (i: number, command: string, category: string | null, outcome: string): Row => [
      at(i),
      `s${i % 3}`,
      "command",
      command,
      10,
      outcome === "ok" ? 1 : 0,
      category,
      outcome,
    ];
    const failed = ["b", "a", null, "a", null, "b", "port_conflict", "port_conflict"];
    insert(db, [
      ...Array.from({ length: 12 }, (_, i) => row(i, "task list", null, "ok")),
      ...failed.map((category, i) => row(20 + i, `c${i % 4}`, category, "failed")),
      ...["x", "y", "x", "y", "z", "z", "w"].map((command, i) => row(40 + i, command, "conflict", "refused")),
    ]);
    const expected = reference(db, since, now);
    expect(counted(db, since, now)).toEqual(expected);
    const byId = Object.fromEntries(expected.map((i) => [i.id, i.description]));
    expect(byId["improve:failure-rate"]).toContain("the most common cause is `b` (2)");
    expect(byId["outcome:refused"]).toContain("(2 in x, 2 in y, 2 in z)");
    expect(byId["improve:port-range"]).toContain("(in c2, c3)");
    db.close();
  });

  it("counts the errors' sessions from the notable index, as the scan of every row did", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const now = new Date("2026-12-01T12:00:00.000Z");
    insert(db, varied(now, 2000));
    const { since } = windowOf(30, now);
    const scanned = db
      .prepare(
        `SELECT error_category, COUNT(DISTINCT session_id) FROM events NOT INDEXED
         WHERE timestamp >= ? AND error_category IS NOT NULL GROUP BY error_category`,
      )
      .raw()
      .all(since) as [string, number][];
    expect(sessionsByCategory(db, since)).toEqual(new Map(scanned));
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM events
         WHERE event_type = 'command' AND timestamp >= ? AND ${NOTABLE}`,
      )
      .raw()
      .all(since)
      .flat()
      .join(" ");
    expect(plan).toContain("COVERING INDEX events_notable");
    const errors = insightsFor(db, 30, now).filter((i) => i.kind === "error");
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.affectedSessions).toBe(new Map(scanned).get(e.subject));
    db.close();
  });
});
