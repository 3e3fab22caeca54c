import type { Db } from "../core/db.js";
import { OUTCOMES, type Outcome } from "./outcome.js";
import {
  busiestFirst,
  type CommandFigures,
  type CommandStats,
  type Stats,
  slowestCommands,
} from "./stats.js";
import { firstIdSince } from "./store.js";

/**
 * The command figures of `stats` counted by SQLite: 100,000 rows never become JS objects. Each part
 * equals `commandFigures` in stats.ts (and dogfood's `speedFigures`) on the same rows; the tests
 * stats-sql.test.ts and dogfood/metrics-sql.test.ts check it.
 */

/** `storedOutcome` in SQL: rows without an outcome are read by their success flag. */
const OUTCOME = "COALESCE(outcome, CASE WHEN success THEN 'ok' ELSE 'failed' END)";

/**
 * The window's command events by rowid from the first id at or after `since` (ids follow time); the
 * `+` keeps SQLite off the (event_type, timestamp) index, whose row look-ups cost three times more.
 */
const WINDOW = `events WHERE id >= @first AND +timestamp >= @since AND +event_type = 'command'`;

/** Durations per command and day: [command, day, duration, count, first id, then one count per non-ok outcome]. */
type Bucket = [string, string, number, number, number, number, number, number, number];
const NOT_OK = ["failed", "refused", "passed_through", "gate_failed"] as const;

const buckets = new WeakMap<Db, { since: string; rows: Bucket[] }>();

/** One scan per window and command (stats and the dogfood metrics share it): a few thousand rows. */
function bucketsSince(db: Db, since: string): Bucket[] {
  const seen = buckets.get(db);
  if (seen?.since === since) return seen.rows;
  const first = firstIdSince(db, since) ?? Number.MAX_SAFE_INTEGER;
  const rows = db
    .prepare(
      `SELECT command, substr(timestamp, 1, 10) AS day, duration_ms, COUNT(*), MIN(id),
         ${NOT_OK.map((o) => `SUM(${OUTCOME} = '${o}')`).join(", ")}
       FROM ${WINDOW} GROUP BY command, day, duration_ms ORDER BY command, day, duration_ms`,
    )
    .raw()
    .all({ first, since }) as Bucket[];
  buckets.set(db, { since, rows });
  return rows;
}

/** `percentile()` over values given as [value, how many], sorted ascending. */
function percentileOfHistogram(histogram: [number, number][], p: number): number {
  const n = histogram.reduce((sum, [, count]) => sum + count, 0);
  const index = Math.max(0, Math.min(n - 1, Math.ceil((p / 100) * n) - 1));
  let seen = 0;
  for (const [value, count] of histogram) {
    seen += count;
    if (seen > index) return value;
  }
  return 0;
}

/** The buckets' durations as one sorted histogram (a duration seen on several days counts once). */
function histogramOf(rows: Bucket[]): [number, number][] {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r[2], (counts.get(r[2]) ?? 0) + r[3]);
  return [...counts].sort((a, b) => a[0] - b[0]);
}

function groupBy(rows: Bucket[], key: (r: Bucket) => string): Map<string, Bucket[]> {
  const groups = new Map<string, Bucket[]>();
  for (const r of rows) {
    const list = groups.get(key(r));
    if (list) list.push(r);
    else groups.set(key(r), [r]);
  }
  return groups;
}

const sum = (rows: Bucket[], column: number) => rows.reduce((total, r) => total + (r[column] as number), 0);

function commandRow(command: string, rows: Bucket[]): CommandStats {
  const histogram = histogramOf(rows);
  return {
    command,
    count: sum(rows, 3),
    failures: sum(rows, 5),
    refused: sum(rows, 6),
    passedThrough: sum(rows, 7),
    gateFailed: sum(rows, 8),
    p50Ms: percentileOfHistogram(histogram, 50),
    p95Ms: percentileOfHistogram(histogram, 95),
  };
}

function outcomesOf(rows: Bucket[], commands: number): Record<Outcome, number> {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  NOT_OK.forEach((o, i) => {
    outcomes[o] = sum(rows, 5 + i);
  });
  outcomes.ok = commands - NOT_OK.reduce((total, o) => total + outcomes[o], 0);
  return outcomes;
}

function perDayOf(rows: Bucket[]): Stats["perDay"] {
  return [...groupBy(rows, (r) => r[1])]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([day, list]) => ({ day, commands: sum(list, 3), failures: sum(list, 5) }));
}

function trendsOf(byDay: Map<string, Bucket[]>, byCommand: CommandStats[]): Stats["durationTrends"] {
  return slowestCommands(byCommand).map((command) => ({
    command,
    days: [...groupBy(byDay.get(command) ?? [], (r) => r[1])]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([day, list]) => {
        const histogram = histogramOf(list);
        const p = (q: number) => percentileOfHistogram(histogram, q);
        return { day, count: sum(list, 3), p50Ms: p(50), p95Ms: p(95) };
      }),
  }));
}

/** Error categories of the window's failed and refused commands (empty ones left out, as `countBy` does). */
function categories(db: Db, since: string): Record<"failed" | "refused", Map<string, number>> {
  const first = firstIdSince(db, since) ?? Number.MAX_SAFE_INTEGER;
  const rows = db
    .prepare(
      `SELECT ${OUTCOME} AS o, error_category, COUNT(*) FROM ${WINDOW}
       AND error_category IS NOT NULL AND error_category <> '' AND o IN ('failed', 'refused') GROUP BY o, error_category`,
    )
    .raw()
    .all({ first, since }) as ["failed" | "refused", string, number][];
  const result = { failed: new Map<string, number>(), refused: new Map<string, number>() };
  for (const [outcome, category, count] of rows) result[outcome].set(category, count);
  return result;
}

/** `commandFigures` of the window's command events, aggregated in SQLite. */
export function commandFiguresSince(db: Db, since: string): CommandFigures {
  const rows = bucketsSince(db, since);
  const byCommandRows = groupBy(rows, (r) => r[0]);
  const byCommand = [...byCommandRows].map(([command, list]) => commandRow(command, list)).sort(busiestFirst);
  const commands = sum(rows, 3);
  const { failed, refused } = categories(db, since);
  return {
    commands,
    outcomes: outcomesOf(rows, commands),
    byCommand,
    failureCategories: failed,
    refusalCategories: refused,
    perDay: perDayOf(rows),
    durationTrends: trendsOf(byCommandRows, byCommand),
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

/** `speedFigures` (dogfood/metrics.ts) of the window's command events, from the same scan as the stats. */
export function speedFiguresSince(
  db: Db,
  since: string,
  lists: { longRunning: readonly string[]; switches: readonly string[] },
): SpeedFigures {
  const quick = bucketsSince(db, since).filter((r) => !lists.longRunning.includes(r[0]));
  const switches = quick.filter((r) => lists.switches.includes(r[0]));
  const firstOver = new Map<string, number>();
  for (const r of quick)
    if (r[2] >= 5000) firstOver.set(r[0], Math.min(firstOver.get(r[0]) ?? Number.POSITIVE_INFINITY, r[4]));
  return {
    quick: sum(quick, 3),
    slowestMs: quick.reduce((max, r) => Math.max(max, r[2]), quick.length ? Number.NEGATIVE_INFINITY : 0),
    over5s: [...firstOver].sort((a, b) => a[1] - b[1]).map(([command]) => command),
    switches: sum(switches, 3),
    switchP95Ms: switches.length ? percentileOfHistogram(histogramOf(switches), 95) : 0,
  };
}
