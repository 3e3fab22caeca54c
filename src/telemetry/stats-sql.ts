import type { Db } from "../core/db.js";
import { notableSince } from "./notable.js";
import { OUTCOMES, type Outcome } from "./outcome.js";
import {
  busiestFirst,
  type CommandFigures,
  type CommandStats,
  type Stats,
  slowestCommands,
} from "./stats.js";
import { readOnce } from "./store.js";

/**
 * The command figures of `stats` counted by SQLite: 100,000 rows never become JS objects. Each part
 * equals `commandFigures` in stats.ts (and dogfood's `speedFigures`) on the same rows; the tests
 * stats-sql.test.ts and dogfood/metrics-sql.test.ts check it.
 *
 * Measured at 100,000 events in a 30-day window (scripts/bench-telemetry.mjs): grouping the window by
 * command, day and duration took ≈ 230 ms (a sort of every row); one command at a time along the
 * `events_by_command` index (store.ts), whose order is the grouping's, takes ≈ 80 ms.
 */

/** Every command ever recorded: one index seek each (SQLite's "skip-scan" by hand), not a scan. */
const COMMANDS = `WITH RECURSIVE c(command) AS (
    SELECT MIN(command) FROM events WHERE event_type = 'command'
    UNION ALL
    SELECT (SELECT MIN(command) FROM events WHERE event_type = 'command' AND command > c.command) FROM c
    WHERE c.command IS NOT NULL)
  SELECT command FROM c WHERE command IS NOT NULL`;

/** One command's events in the window: a range of `events_by_command`, already in day order. */
export const WINDOW = `FROM events WHERE event_type = 'command' AND command = @command
  AND substr(timestamp, 1, 10) >= @day AND timestamp >= @since`;

/** `storedOutcome` in SQL: rows without an outcome are read by their success flag. */
const NOT_OK = ["failed", "refused", "passed_through", "gate_failed"] as const;

/**
 * stats.ts's `percentile`: `percentile_disc` rounds (n − 1)·p down; a tail's rank is rounded up by
 * taking the opposite percentile of the negated durations.
 */
const percentileSql = (p: number) =>
  p > 50
    ? `0.0 - percentile_disc(-duration_ms, ${(100 - p) / 100})`
    : `percentile_disc(duration_ms, ${p / 100})`;
const P50_P95 = `${percentileSql(50)}, ${percentileSql(95)}`;
const OUTCOME_COUNTS = NOT_OK.map((o) =>
  o === "failed"
    ? "COUNT(iif(outcome = 'failed' OR (outcome IS NULL AND NOT success), 1, NULL))"
    : `COUNT(iif(outcome = '${o}', 1, NULL))`,
).join(", ");

/** [day, count, failed, refused, passed through, gate failed, p50, p95, slowest, first id at 5 s or more]. */
type Day = [string, number, number, number, number, number, number, number, number, number | null];

/** One command's window: its days, and its whole count and percentiles. */
interface CommandWindow {
  command: string;
  days: Day[];
  count: number;
  p50: number;
  p95: number;
}

const windows = new WeakMap<Db, { key: string; value: CommandWindow[] }>();

/** One read per window and command (stats and the dogfood metrics share it). */
function commandWindows(db: Db, since: string): CommandWindow[] {
  return readOnce(windows, db, since, () => {
    const days = db
      .prepare(
        `SELECT substr(timestamp, 1, 10) AS day, COUNT(*), ${OUTCOME_COUNTS},
           ${P50_P95}, MAX(duration_ms),
           MIN(iif(duration_ms >= 5000, id, NULL))
         ${WINDOW} GROUP BY day ORDER BY day`,
      )
      .raw();
    return commandTotals(db, since).map(([command, count, p50, p95]) => {
      const params = { command, since, day: since.slice(0, 10) };
      return { command, days: days.all(params) as Day[], count, p50, p95 };
    });
  });
}

/** A command's whole window: [command, count, p50, p95, first id, last id]. */
export type CommandTotal = [string, number, number, number, number, number];

const totals = new WeakMap<Db, { key: string; value: CommandTotal[] }>();

/** The commands run in the window, with their whole window's figures: `stats` and the insights share the read. */
export function commandTotals(db: Db, since: string): CommandTotal[] {
  return readOnce(totals, db, since, () => {
    const whole = db.prepare(`SELECT @command, COUNT(*), ${P50_P95}, MIN(id), MAX(id) ${WINDOW}`).raw();
    return (db.prepare(COMMANDS).pluck().all() as string[]).flatMap((command) => {
      const total = whole.get({ command, since, day: since.slice(0, 10) }) as CommandTotal;
      return total[1] ? [total] : [];
    });
  });
}

const sum = (days: Day[], column: number) => days.reduce((total, d) => total + (d[column] as number), 0);

function commandRow(w: CommandWindow): CommandStats {
  return {
    command: w.command,
    count: w.count,
    failures: sum(w.days, 2),
    refused: sum(w.days, 3),
    passedThrough: sum(w.days, 4),
    gateFailed: sum(w.days, 5),
    p50Ms: w.p50,
    p95Ms: w.p95,
  };
}

function outcomesOf(byCommand: CommandStats[], commands: number): Record<Outcome, number> {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const c of byCommand) {
    outcomes.failed += c.failures;
    outcomes.refused += c.refused;
    outcomes.passed_through += c.passedThrough;
    outcomes.gate_failed += c.gateFailed;
  }
  outcomes.ok = commands - NOT_OK.reduce((total, o) => total + outcomes[o], 0);
  return outcomes;
}

function perDayOf(list: CommandWindow[]): Stats["perDay"] {
  const days = new Map<string, { commands: number; failures: number }>();
  for (const d of list.flatMap((w) => w.days)) {
    const day = days.get(d[0]) ?? { commands: 0, failures: 0 };
    day.commands += d[1];
    day.failures += d[2];
    days.set(d[0], day);
  }
  return [...days].sort((a, b) => a[0].localeCompare(b[0])).map(([day, v]) => ({ day, ...v }));
}

function trendsOf(list: CommandWindow[], byCommand: CommandStats[]): Stats["durationTrends"] {
  return slowestCommands(byCommand).map((command) => ({
    command,
    days: (list.find((w) => w.command === command)?.days ?? []).map((d) => ({
      day: d[0],
      count: d[1],
      p50Ms: d[6],
      p95Ms: d[7],
    })),
  }));
}

/** Error categories of the window's failed and refused commands (empty ones left out, as `countBy` does). */
function categories(db: Db, since: string): Record<"failed" | "refused", Map<string, number>> {
  const result = { failed: new Map<string, number>(), refused: new Map<string, number>() };
  // Read with the insights' groups of the notable commands (notable.ts): one read for `dashboard`.
  for (const [outcome, category, , count] of notableSince(db, since))
    if ((outcome === "failed" || outcome === "refused") && category)
      result[outcome].set(category, (result[outcome].get(category) ?? 0) + count);
  return result;
}

/** `commandFigures` of the window's command events, aggregated in SQLite. */
export function commandFiguresSince(db: Db, since: string): CommandFigures {
  const list = commandWindows(db, since);
  const byCommand = list.map(commandRow).sort(busiestFirst);
  const commands = byCommand.reduce((total, c) => total + c.count, 0);
  const { failed, refused } = categories(db, since);
  return {
    commands,
    outcomes: outcomesOf(byCommand, commands),
    byCommand,
    failureCategories: failed,
    refusalCategories: refused,
    perDay: perDayOf(list),
    durationTrends: trendsOf(list, byCommand),
  };
}

/** What the plan's speed metrics need (dogfood/metrics.ts): `quick` commands leave out the long-running ones. */
export interface SpeedFigures {
  quick: number;
  slowestMs: number;
  /** Quick commands that took 5 s or more, in the order they first did. */
  over5s: string[];
  switches: number;
  switchP95Ms: number;
}

/** `speedFigures` (dogfood/metrics.ts) of the window's command events, from the same read as the stats. */
export function speedFiguresSince(
  db: Db,
  since: string,
  lists: { longRunning: readonly string[]; switches: readonly string[] },
): SpeedFigures {
  const quick = commandWindows(db, since).filter((w) => !lists.longRunning.includes(w.command));
  const switches = quick.filter((w) => lists.switches.includes(w.command));
  const firstOver = quick.flatMap((w) => {
    const ids = w.days.flatMap((d) => (d[9] === null ? [] : [d[9]]));
    return ids.length ? [[w.command, Math.min(...ids)] as const] : [];
  });
  const days = quick.flatMap((w) => w.days);
  return {
    quick: quick.reduce((total, w) => total + w.count, 0),
    slowestMs: days.reduce((max, d) => Math.max(max, d[8]), days.length ? Number.NEGATIVE_INFINITY : 0),
    over5s: firstOver.sort((a, b) => a[1] - b[1]).map(([command]) => command),
    switches: switches.reduce((total, w) => total + w.count, 0),
    switchP95Ms: switches.length
      ? switchP95(
          db,
          since,
          switches.map((w) => w.command),
        )
      : 0,
  };
}

/** The p95 of the switch commands' durations taken together: one range of the index per command. */
function switchP95(db: Db, since: string, commands: string[]): number {
  return db
    .prepare(
      `SELECT ${percentileSql(95)} FROM events WHERE event_type = 'command'
         AND command IN (${commands.map(() => "?").join(", ")})
         AND substr(timestamp, 1, 10) >= ? AND timestamp >= ?`,
    )
    .pluck()
    .get(...commands, since.slice(0, 10), since) as number;
}
