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

/** Pure: patterns computed from events, each with a concrete suggested fix. */
export function computeInsights(events: EventRow[], now: Date, minErrors = 3): Insight[] {
  const byCommand = groupBy(events, (e) => e.command);
  const insights: Insight[] = [];
  for (const [command, rows] of byCommand) {
    const target = TARGETS_MS[command];
    const middle = median(rows.map((r) => r.duration_ms));
    if (target && rows.length >= 3 && middle > target) {
      insights.push({
        id: `slow:${command}`,
        kind: "slow",
        subject: command,
        description: `\`nexus ${command}\` takes ${Math.round(middle)} ms (median of ${rows.length}), over its ${target} ms target.`,
        suggestion: slowFix(command),
        frequency: rows.length,
        ...span(rows),
      });
    }
    const rising = risingDuration(rows, now);
    if (rising)
      insights.push({
        id: `rising:${command}`,
        kind: "improvement",
        subject: command,
        description: `\`nexus ${command}\` got slower: median ${rising.before} ms → ${rising.after} ms over the last week.`,
        suggestion: slowFix(command),
        frequency: rows.length,
        ...span(rows),
      });
  }
  // Advice is about Nexus's own failures; refusals, failed gates and the user's exits are noted apart.
  const byCategory = groupBy(events.filter(isNexusFailure), (e) => e.error_category);
  for (const [category, rows] of byCategory) {
    if (rows.length < minErrors) continue;
    const commands = [...new Set(rows.map((r) => r.command))].slice(0, 3).join(", ");
    insights.push({
      id: `error:${category}`,
      kind: "error",
      subject: category,
      description: `${rows.length} \`${category}\` failures (in ${commands}).`,
      suggestion: FIXES[category] ?? "See the error hints; `nexus doctor` checks the setup.",
      frequency: rows.length,
      ...span(rows),
    });
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
  const notes: Insight[] = [];
  for (const [outcome, note] of Object.entries(NOTES) as [keyof typeof NOTES, (typeof NOTES)["refused"]][]) {
    const rows = events.filter((e) => outcomeOfEvent(e) === outcome);
    if (!rows.length) continue;
    const counts = [...groupBy(rows, (e) => e.command)]
      .sort((a, b) => b[1].length - a[1].length)
      .slice(0, 3)
      .map(([command, list]) => `${list.length} in ${command}`)
      .join(", ");
    notes.push({
      id: `outcome:${outcome}`,
      kind: "note",
      subject: outcome,
      description: `${rows.length} ${note.what} (${counts}): not counted as Nexus failures.`,
      suggestion: note.suggestion,
      frequency: rows.length,
      ...span(rows),
    });
  }
  return notes;
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

function risingDuration(rows: EventRow[], now: Date): { before: number; after: number } | undefined {
  const week = 7 * 24 * 3600 * 1000;
  const recentStart = new Date(now.getTime() - week).toISOString();
  const previousStart = new Date(now.getTime() - 2 * week).toISOString();
  const middle = (xs: EventRow[]) => median(xs.map((r) => r.duration_ms));
  const recent = rows.filter((r) => r.ts >= recentStart);
  const previous = rows.filter((r) => r.ts >= previousStart && r.ts < recentStart);
  if (recent.length < 5 || previous.length < 5) return undefined;
  const [before, after] = [middle(previous), middle(recent)];
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
