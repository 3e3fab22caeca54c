import { describe, expect, it } from "vitest";
import { isolatedHome } from "../../test/helpers/fs.js";
import type { Db } from "../core/db.js";
import { statsFor, windowOf } from "./report.js";
import { commandFigures, computeStats } from "./stats.js";
import { commandFiguresSince } from "./stats-sql.js";
import { domainEventsSince, eventsSince, openTelemetry, type SessionRow } from "./store.js";

const COMMANDS = ["workspace list", "task list", "task complete", "workspace exec", "stats", "workspace up"];
const OUTCOMES = [null, "ok", "failed", "refused", "passed_through", "gate_failed"];
const CATEGORIES = [null, "", "docker_unavailable", "conflict", "validation", "gate_failed", "git"];

/** A small deterministic generator: the same varied rows on every run. */
function rng(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

function seed(db: Db, now: Date, count: number): void {
  const next = rng(42);
  const insert = db.prepare(
    `INSERT INTO events (timestamp, session_id, event_type, action, command, duration_ms, success, exit_code,
       error_category, outcome, nexus_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0.1.0')`,
  );
  const start = now.getTime() - 35 * 86_400_000; // some rows fall before the 30-day window
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const ts = new Date(start + (i * 35 * 86_400_000) / count).toISOString();
      const outcome = OUTCOMES[next(OUTCOMES.length)]!;
      const success = outcome === "ok" || (outcome === null && next(2) === 0) ? 1 : 0;
      // Ties (a few whole values) and fractions; commands with 1, 2 and many runs.
      const duration = next(3) ? 10 * next(8) : next(100_000) / 7;
      const command = i === 5 ? "once" : i % 97 === 0 ? "twice" : COMMANDS[next(COMMANDS.length)]!;
      const type = next(20) ? "command" : "task";
      insert.run(
        ts,
        `s${next(9)}`,
        type,
        type === "task" ? "completed" : null,
        command,
        duration,
        success,
        success ? 0 : 1,
        CATEGORIES[next(CATEGORIES.length)],
        type === "task" ? null : outcome,
      );
    }
  })();
}

describe("stats counted in SQLite equal the JS computation (issue 23)", () => {
  it("command figures and whole stats deep-equal, over varied events", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const now = new Date("2026-12-01T12:00:00.000Z");
    seed(db, now, 3000);
    for (const days of [30, 7, 1]) {
      const { since } = windowOf(days, now);
      const reference = commandFigures(eventsSince(db, since));
      expect(commandFiguresSince(db, since)).toEqual(reference);
      expect(reference.commands).toBeGreaterThan(0);
    }
    const window = windowOf(30, now);
    const sessions = db.prepare("SELECT * FROM sessions").all() as SessionRow[];
    const counted = statsFor(db, 30, now);
    const stats = computeStats(
      eventsSince(db, window.since),
      sessions,
      window,
      domainEventsSince(db, window.since),
    );
    expect(counted).toEqual(stats);
    expect(statsFor(db, 30, now)).toEqual(stats); // again: the reads kept for the same window
    expect(stats.durationTrends.length).toBe(3);
    expect(stats.refusals.length).toBeGreaterThan(0);
    db.close();
  });

  it("an empty window gives the same empty figures", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const { since } = windowOf(30, new Date());
    expect(commandFiguresSince(db, since)).toEqual(commandFigures([]));
    db.close();
  });
});
