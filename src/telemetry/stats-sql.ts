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
 * equals `commandFigures` in stats.ts on the same rows (stats-sql.test.ts checks it).
 */

/** `storedOutcome` in SQL: rows without an outcome are read by their success flag. */
const OUTCOME = "COALESCE(outcome, CASE WHEN success THEN 'ok' ELSE 'failed' END)";

/** The window's command events, from the first id at or after `since` (ids follow time). */
const WINDOW = `events WHERE id >= @first AND timestamp >= @since AND event_type = 'command'`;

/**
 * The 1-based rank of `percentile()`'s index over n sorted values: min(n, ceil(p/100 × n)), at least 1,
 * in the same double arithmetic as JS (ceil written out: SQLite may lack the math functions).
 */
const rank = (p: number) => {
  const x = `((${p} / 100.0) * n)`;
  return `MAX(1, MIN(n, CAST(${x} AS INTEGER) + (${x} > CAST(${x} AS INTEGER))))`;
};

interface Window {
  first: number;
  since: string;
}

/** p50/p95 and count per group (`keys`: SQL expressions over the window's rows). */
function percentiles(db: Db, w: Window, keys: string[], where = "1", extra: Record<string, unknown> = {}) {
  const cols = keys.map((k, i) => `${k} AS k${i}`).join(", ");
  const ks = keys.map((_, i) => `k${i}`).join(", ");
  return db
    .prepare(
      `WITH e AS (SELECT ${cols}, duration_ms FROM ${WINDOW} AND ${where}),
       r AS (SELECT ${ks}, duration_ms, ROW_NUMBER() OVER (PARTITION BY ${ks} ORDER BY duration_ms) AS rn,
               COUNT(*) OVER (PARTITION BY ${ks}) AS n FROM e)
       SELECT ${ks}, n, MAX(CASE WHEN rn = ${rank(50)} THEN duration_ms END) AS p50,
         MAX(CASE WHEN rn = ${rank(95)} THEN duration_ms END) AS p95
       FROM r GROUP BY ${ks}`,
    )
    .raw()
    .all({ ...w, ...extra }) as unknown[][];
}

function countsBy(db: Db, w: Window, keys: string, where = "1"): unknown[][] {
  return db
    .prepare(`SELECT ${keys}, COUNT(*) FROM ${WINDOW} AND ${where} GROUP BY ${keys}`)
    .raw()
    .all(w) as unknown[][];
}

function byCommandOf(db: Db, w: Window): { byCommand: CommandStats[]; outcomes: Record<Outcome, number> } {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const ended = new Map<string, Record<Outcome, number>>();
  for (const [command, outcome, count] of countsBy(db, w, `command, ${OUTCOME}`) as [
    string,
    Outcome,
    number,
  ][]) {
    outcomes[outcome] += count;
    const row =
      ended.get(command) ?? (Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>);
    row[outcome] += count;
    ended.set(command, row);
  }
  const byCommand = (percentiles(db, w, ["command"]) as [string, number, number, number][])
    .map(([command, count, p50Ms, p95Ms]) => {
      const e = ended.get(command)!;
      return {
        command,
        count,
        failures: e.failed,
        refused: e.refused,
        passedThrough: e.passed_through,
        gateFailed: e.gate_failed,
        p50Ms,
        p95Ms,
      };
    })
    .sort(busiestFirst);
  return { byCommand, outcomes };
}

function categories(db: Db, w: Window, outcome: Outcome): Map<string, number> {
  const where = `${OUTCOME} = '${outcome}' AND error_category IS NOT NULL AND error_category <> ''`;
  return new Map(countsBy(db, w, "error_category", where) as [string, number][]);
}

function perDayOf(db: Db, w: Window): Stats["perDay"] {
  const rows = db
    .prepare(
      `SELECT substr(timestamp, 1, 10) AS day, COUNT(*), SUM(${OUTCOME} = 'failed') FROM ${WINDOW} GROUP BY day`,
    )
    .raw()
    .all(w) as [string, number, number][];
  return rows
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([day, commands, failures]) => ({ day, commands, failures }));
}

function trendsOf(db: Db, w: Window, byCommand: CommandStats[]): Stats["durationTrends"] {
  const slow = slowestCommands(byCommand);
  if (!slow.length) return [];
  const rows = percentiles(
    db,
    w,
    ["command", "substr(timestamp, 1, 10)"],
    "command IN (SELECT value FROM json_each(@slow))",
    {
      slow: JSON.stringify(slow),
    },
  ) as [string, string, number, number, number][];
  return slow.map((command) => ({
    command,
    days: rows
      .filter((r) => r[0] === command)
      .sort((a, b) => a[1].localeCompare(b[1]))
      .map(([, day, count, p50Ms, p95Ms]) => ({ day, count, p50Ms, p95Ms })),
  }));
}

/** `commandFigures` of the window's command events, aggregated in SQLite. */
export function commandFiguresSince(db: Db, since: string): CommandFigures {
  const first = firstIdSince(db, since) ?? Number.MAX_SAFE_INTEGER;
  const w = { first, since };
  const { byCommand, outcomes } = byCommandOf(db, w);
  return {
    commands: byCommand.reduce((sum, c) => sum + c.count, 0),
    outcomes,
    byCommand,
    failureCategories: categories(db, w, "failed"),
    refusalCategories: categories(db, w, "refused"),
    perDay: perDayOf(db, w),
    durationTrends: trendsOf(db, w, byCommand),
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

/** `speedFigures` (dogfood/metrics.ts) of the window's command events, aggregated in SQLite. */
export function speedFiguresSince(
  db: Db,
  since: string,
  lists: { longRunning: readonly string[]; switches: readonly string[] },
): SpeedFigures {
  const w = { first: firstIdSince(db, since) ?? Number.MAX_SAFE_INTEGER, since };
  const params = { ...w, long: JSON.stringify(lists.longRunning), switch: JSON.stringify(lists.switches) };
  const quick = "command NOT IN (SELECT value FROM json_each(@long))";
  const [count, slowest] = db
    .prepare(`SELECT COUNT(*), MAX(duration_ms) FROM ${WINDOW} AND ${quick}`)
    .raw()
    .get(params) as [number, number | null];
  const over5s = db
    .prepare(
      `SELECT command FROM ${WINDOW} AND ${quick} AND duration_ms >= 5000 GROUP BY command ORDER BY MIN(id)`,
    )
    .pluck()
    .all(params) as string[];
  const switchWhere = `${quick} AND command IN (SELECT value FROM json_each(@switch))`;
  const [row] = percentiles(db, w, ["''"], switchWhere, { long: params.long, switch: params.switch }) as [
    string,
    number,
    number,
    number,
  ][];
  return {
    quick: count,
    slowestMs: slowest ?? 0,
    over5s,
    switches: row?.[1] ?? 0,
    switchP95Ms: row?.[3] ?? 0,
  };
}
