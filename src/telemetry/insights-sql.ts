import type { Db } from "../core/db.js";
import { failureInsight, portRangeInsight } from "./improvements.js";
import {
  errorInsight,
  type Insight,
  NOTE_OUTCOMES,
  noteInsight,
  rising,
  risingInsight,
  type Seen,
  slowInsight,
  weeksOf,
} from "./insights.js";
import { type NotableRow, notableSince } from "./notable.js";
import { commandTotals, WINDOW } from "./stats-sql.js";

/**
 * `computeInsights` (insights.ts) and the command events' part of `computeImprovements`
 * (improvements.ts) counted by SQLite: the window's rows never become JS objects (100,000 of them took
 * ≈ 0.28 s to read and ≈ 0.15 s to collect). The same insights on the same rows, in the same
 * order; insights-sql.test.ts checks it. Each command's runs are one range of `events_by_command`;
 * failures, refusals and port conflicts are read grouped from the partial index `events_notable`
 * (notable.ts).
 */

const MEDIAN = "percentile_disc(duration_ms, 0.5)";

/** [command, runs, median, first id, last id, runs the week before and their median, in the last week and theirs]. */
type CommandRow = [string, number, number, number, number, number, number | null, number, number | null];

/** The window's commands with a run, in the order first seen: the whole window's read shared with `stats`. */
function commandRows(db: Db, since: string, now: Date): CommandRow[] {
  const { previous, recent } = weeksOf(now);
  const from = previous > since ? previous : since; // the last two weeks of the window
  const weeks = db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE timestamp < @recent), ${MEDIAN} FILTER (WHERE timestamp < @recent),
         COUNT(*) FILTER (WHERE timestamp >= @recent), ${MEDIAN} FILTER (WHERE timestamp >= @recent)
       ${WINDOW}`,
    )
    .raw();
  return commandTotals(db, since)
    .map(([command, count, p50, , first, last]): CommandRow => {
      const week = weeks.get({ command, since: from, day: from.slice(0, 10), recent });
      return [command, count, p50, first, last, ...(week as [number, number | null, number, number | null])];
    })
    .sort((a, b) => a[3] - b[3]);
}

interface Group {
  count: number;
  first: number;
  last: number;
  /** Runs per command, in the order first seen. */
  commands: Map<string, number>;
}

/** Rows grouped by a key (undefined leaves a row out): the groups and their commands in the order first seen. */
function groupRows(rows: NotableRow[], key: (row: NotableRow) => string | undefined): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const k = key(row);
    if (k === undefined) continue;
    const [, , command, count, first, last] = row;
    const group = groups.get(k) ?? { count: 0, first, last, commands: new Map<string, number>() };
    group.count += count;
    group.last = Math.max(group.last, last);
    group.commands.set(command, (group.commands.get(command) ?? 0) + count);
    groups.set(k, group);
  }
  return groups;
}

type SeenOf = (ids: { first: number; last: number }) => Seen;

/** A span from its first and last row: no session is counted here (`insightsFor` counts the errors'). */
function seenBy(db: Db): SeenOf {
  const at = db.prepare("SELECT timestamp FROM events WHERE id = ?").pluck();
  return ({ first, last }) => ({
    firstSeen: at.get(first) as string,
    lastSeen: at.get(last) as string,
    affectedSessions: 0,
  });
}

const defined = (i: Insight | undefined): i is Insight => i !== undefined;

function commandInsights(rows: CommandRow[], seen: SeenOf): Insight[] {
  return rows.flatMap(([command, count, middle, first, last, previous, before, recent, after]) => {
    if (!command) return [];
    const span = seen({ first, last });
    const rise = rising([previous, before ?? 0], [recent, after ?? 0]);
    return [slowInsight(command, count, middle, span), risingInsight(command, count, rise, span)].filter(
      defined,
    );
  });
}

function errorInsights(rows: NotableRow[], seen: SeenOf, minErrors = 3): Insight[] {
  const groups = groupRows(rows, ([outcome, category]) => (outcome === "failed" && category) || undefined);
  return [...groups]
    .filter(([, g]) => g.count >= minErrors)
    .map(([category, g]) => errorInsight(category, g.count, [...g.commands.keys()].slice(0, 3), seen(g)));
}

function outcomeNotes(rows: NotableRow[], seen: SeenOf): Insight[] {
  const groups = groupRows(rows, ([outcome]) => outcome);
  return NOTE_OUTCOMES.flatMap((outcome) => {
    const g = groups.get(outcome);
    if (!g) return [];
    const top = [...g.commands]
      .filter(([command]) => command)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    return [noteInsight(outcome, g.count, top, seen(g))];
  });
}

/** `portInsight` and `failureRateInsight` (improvements.ts), in that order. */
function eventImprovements(rows: NotableRow[], commands: number, seen: SeenOf): (Insight | undefined)[] {
  const port = groupRows(rows, ([, category]) => (category === "port_conflict" ? "" : undefined)).get("");
  const failed = groupRows(rows, ([outcome]) => (outcome === "failed" ? "" : undefined)).get("");
  const causes = groupRows(rows, ([outcome, category]) =>
    outcome === "failed" ? (category ?? "unknown") : undefined,
  );
  return [
    portRangeInsight(port?.count ?? 0, [...(port?.commands.keys() ?? [])], () => seen(port!)),
    failureInsight(
      { failed: failed?.count ?? 0, commands, causes: new Map([...causes].map(([k, g]) => [k, g.count])) },
      () => seen(failed!),
    ),
  ];
}

/**
 * The window's insights as `computeInsights` gives them, and the improvements its command events
 * suggest (for `improvementsFrom`), read by SQLite.
 */
export function insightsSince(
  db: Db,
  since: string,
  now: Date,
): { insights: Insight[]; improvements: (Insight | undefined)[] } {
  const seen = seenBy(db);
  const commands = commandRows(db, since, now);
  const notable = notableSince(db, since);
  const insights = [
    ...commandInsights(commands, seen),
    ...errorInsights(notable, seen),
    ...outcomeNotes(notable, seen),
  ].sort((a, b) => b.frequency - a.frequency);
  const total = commands.reduce((sum, c) => sum + c[1], 0);
  return { insights, improvements: eventImprovements(notable, total, seen) };
}
