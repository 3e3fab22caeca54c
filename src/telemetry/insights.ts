import { isNexusFailure, type Outcome, outcomeOfEvent } from "./outcome.js";
import { median } from "./stats.js";
import type { StatEvent as EventRow } from "./store.js";

export interface Insight {
  id: string;
  /** `note`: commands that ended non-zero without Nexus failing (see outcome.ts); nothing to fix in Nexus. */
  kind: "slow" | "error" | "improvement" | "note";
  subject: string;
  description: string;
  suggestion: string;
  frequency: number;
  firstSeen: string;
  lastSeen: string;
  /** Distinct sessions the pattern was seen in (kept in `patterns.affected_sessions`). */
  affectedSessions?: number;
}

/** The speed the product plan and the issues promise, per command (median, ms). */
const TARGETS_MS: Record<string, number> = {
  "workspace create": 5000,
  "workspace up": 3000,
  "workspace list": 1000,
  "task list": 300,
  "task ready": 300,
  "task create": 150,
  stats: 500,
  insights: 500,
};

const FIXES: Record<string, string> = {
  docker_unavailable: "Start the Docker Engine (or fix DOCKER_HOST); `nexus doctor` checks it.",
  port_conflict:
    "Another program uses ports in the range: move `ports` in .nexus/config.yaml or run `nexus workspace prune`.",
  git: "Run `nexus doctor`; check for a missing branch or a worktree deleted by hand (`nexus workspace repair`).",
  validation: "Check the command's usage with --help; names are lowercase letters, digits and dashes.",
  not_found: "List what exists first (`nexus workspace list`, `nexus task list`).",
  gate_failed: "Run the checks locally before `task complete`; `nexus task patterns` shows which fail most.",
  timeout: "A service or lock took too long: see `nexus workspace logs` or retry.",
  docker: "See `nexus workspace logs NAME SERVICE` for the failing container.",
  conflict: "Something already exists or is held by someone else; see the error's hint.",
};

export function span(events: { ts: string; session_id?: string }[]): {
  firstSeen: string;
  lastSeen: string;
  affectedSessions: number;
} {
  const sessions = new Set(events.map((e) => e.session_id).filter(Boolean));
  return {
    firstSeen: events[0]!.ts,
    lastSeen: events[events.length - 1]!.ts,
    affectedSessions: sessions.size,
  };
}

/** When and in how many sessions a pattern was seen. */
export type Seen = ReturnType<typeof span>;

/** A command over its speed target (median of at least 3 runs); its median and span from JS or SQL. */
export function slowInsight(command: string, count: number, middle: number, seen: Seen): Insight | undefined {
  const target = TARGETS_MS[command];
  if (!(target && count >= 3 && middle > target)) return undefined;
  return {
    id: `slow:${command}`,
    kind: "slow",
    subject: command,
    description: `\`nexus ${command}\` takes ${Math.round(middle)} ms (median of ${count}), over its ${target} ms target.`,
    suggestion: slowFix(command),
    frequency: count,
    ...seen,
  };
}

/** A command whose median rose over the last week (`rising`), its span from JS or SQL. */
export function risingInsight(
  command: string,
  count: number,
  rising: { before: number; after: number } | undefined,
  seen: Seen,
): Insight | undefined {
  if (!rising) return undefined;
  return {
    id: `rising:${command}`,
    kind: "improvement",
    subject: command,
    description: `\`nexus ${command}\` got slower: median ${rising.before} ms → ${rising.after} ms over the last week.`,
    suggestion: slowFix(command),
    frequency: count,
    ...seen,
  };
}

/** A recurring category of Nexus's own failures, with the first three commands it was seen in. */
export function errorInsight(category: string, count: number, commands: string[], seen: Seen): Insight {
  return {
    id: `error:${category}`,
    kind: "error",
    subject: category,
    description: `${count} \`${category}\` failures (in ${commands.join(", ")}).`,
    suggestion: FIXES[category] ?? "See the error hints; `nexus doctor` checks the setup.",
    frequency: count,
    ...seen,
  };
}

/** Pure: patterns computed from events, each with a concrete suggested fix. */
export function computeInsights(events: EventRow[], now: Date, minErrors = 3): Insight[] {
  const byCommand = groupBy(events, (e) => e.command);
  const insights: Insight[] = [];
  for (const [command, rows] of byCommand) {
    const middle = median(rows.map((r) => r.duration_ms));
    const slow = slowInsight(command, rows.length, middle, span(rows));
    const rising = risingInsight(command, rows.length, risingDuration(rows, now), span(rows));
    insights.push(...[slow, rising].filter((i): i is Insight => i !== undefined));
  }
  // Advice is about Nexus's own failures; refusals, failed gates and the user's exits are noted apart.
  const byCategory = groupBy(events.filter(isNexusFailure), (e) => e.error_category);
  for (const [category, rows] of byCategory) {
    if (rows.length < minErrors) continue;
    const commands = [...new Set(rows.map((r) => r.command))].slice(0, 3);
    insights.push(errorInsight(category, rows.length, commands, span(rows)));
  }
  insights.push(...outcomeNotes(events));
  return insights.sort((a, b) => b.frequency - a.frequency);
}

const NOTES: Record<Exclude<Outcome, "ok" | "failed">, { what: string; suggestion: string }> = {
  refused: {
    what: "refusals that did their job (a claim lost to another agent, bad input, a missing name)",
    suggestion:
      "Not a Nexus failure: each refusal's hint says what to do (claim another task, fix the input).",
  },
  passed_through: {
    what: "non-zero exits of your own commands, passed through",
    suggestion: "Not a Nexus failure: the exit code is your command's own (a red `npm test`).",
  },
  gate_failed: {
    what: "failed gates that kept unverified work from being completed",
    suggestion: FIXES.gate_failed!,
  },
};

/** One line per outcome that ended non-zero without Nexus failing: shown, never counted as a failure. */
function outcomeNotes(events: EventRow[]): Insight[] {
  return NOTE_OUTCOMES.flatMap((outcome) => {
    const rows = events.filter((e) => outcomeOfEvent(e) === outcome);
    if (!rows.length) return [];
    const top = [...groupBy(rows, (e) => e.command)]
      .sort((a, b) => b[1].length - a[1].length)
      .slice(0, 3)
      .map(([command, list]) => [command, list.length] as const);
    return [noteInsight(outcome, rows.length, top, span(rows))];
  });
}

export type NoteOutcome = keyof typeof NOTES;
export const NOTE_OUTCOMES = Object.keys(NOTES) as NoteOutcome[];

/** An outcome's note, with its top three commands (most runs first) and their counts. */
export function noteInsight(
  outcome: NoteOutcome,
  count: number,
  top: (readonly [string, number])[],
  seen: Seen,
): Insight {
  const counts = top.map(([command, n]) => `${n} in ${command}`).join(", ");
  return {
    id: `outcome:${outcome}`,
    kind: "note",
    subject: outcome,
    description: `${count} ${NOTES[outcome].what} (${counts}): not counted as Nexus failures.`,
    suggestion: NOTES[outcome].suggestion,
    frequency: count,
    ...seen,
  };
}

function groupBy(events: EventRow[], key: (e: EventRow) => string | null): Map<string, EventRow[]> {
  const groups = new Map<string, EventRow[]>();
  for (const e of events) {
    const k = key(e);
    if (!k) continue;
    const list = groups.get(k);
    if (list) list.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

/** Where the last two weeks start: a command's runs since `previous` but before `recent` are the week before. */
export function weeksOf(now: Date): { previous: string; recent: string } {
  const week = 7 * 24 * 3600 * 1000;
  return {
    previous: new Date(now.getTime() - 2 * week).toISOString(),
    recent: new Date(now.getTime() - week).toISOString(),
  };
}

function risingDuration(rows: EventRow[], now: Date): { before: number; after: number } | undefined {
  const weeks = weeksOf(now);
  const recent = rows.filter((r) => r.ts >= weeks.recent).map((r) => r.duration_ms);
  const previous = rows
    .filter((r) => r.ts >= weeks.previous && r.ts < weeks.recent)
    .map((r) => r.duration_ms);
  return rising([previous.length, median(previous)], [recent.length, median(recent)]);
}

/** The week before's and the last week's [runs, median]: a rise by half and 50 ms, or undefined. */
export function rising(
  [previous, before]: [number, number],
  [recent, after]: [number, number],
): { before: number; after: number } | undefined {
  if (recent < 5 || previous < 5) return undefined;
  return after > before * 1.5 && after - before > 50
    ? { before: Math.round(before), after: Math.round(after) }
    : undefined;
}

function slowFix(command: string): string {
  if (command.startsWith("workspace create"))
    return "Images are rebuilt when a template's build context changes; keep contexts small and stable, and check `nexus workspace create -v` stage timings.";
  if (command.startsWith("workspace"))
    return "Check Docker's load (`docker stats`) and prune old workspaces (`nexus workspace prune`).";
  if (command.startsWith("task"))
    return "Keep tasks.jsonl lean: delete obsolete tasks; the first command after a git pull re-imports it once.";
  return "Run with --verbose to see where the time goes.";
}

/**
 * Project state rather than telemetry: tasks marked done without the passing gate run that makes a
 * task done (a hand edit of tasks.jsonl, or a merge that brought one).
 */
export function unverifiedInsight(ids: string[], now: Date): Insight | undefined {
  if (!ids.length) return undefined;
  const count = `${ids.length} task${ids.length > 1 ? "s" : ""}`;
  const shown = ids.slice(0, 3).join(", ") + (ids.length > 3 ? ", ..." : "");
  return {
    id: "tasks:unverified",
    kind: "error",
    subject: "unverified tasks",
    description: `${count} marked done without a passing gate run: nexus task verify ${ids[0]} (${shown}).`,
    suggestion:
      "`nexus task verify ID` runs a task's gates: pass → done with the run recorded, fail → back to in_progress; `nexus task list --unverified` lists them.",
    frequency: ids.length,
    firstSeen: now.toISOString(),
    lastSeen: now.toISOString(),
  };
}
