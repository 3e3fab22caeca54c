import { dataFence } from "../core/fence.js";
import { oneLine } from "../core/visible.js";
import type { TaskContext } from "./context.js";
import type { Task } from "./model.js";
import { expireLeases } from "./operations.js";
import { readyTasks } from "./queries.js";
import type { TaskRow } from "./store.js";

export interface PrimeSummary {
  agent: string;
  counts: Record<string, number>;
  ready: TaskRow[];
  mine: TaskRow[];
  recentFailures: { task: string; title: string; at: string; type: string; detail: string }[];
  /** Recent changes of checks, newest first: a weakened one makes the task need a review. */
  checkChanges: {
    task: string;
    at: string;
    by: string;
    before: string[];
    after: string[];
    reviewRequired: boolean;
  }[];
  /** Done without a passing gate run: `nexus task verify ID` settles each. */
  unverified: string[];
}

/** What an agent starting or resuming a session needs, and nothing more. */
/** What `nexus prime` shows: expired leases go back to the queue first, as for every task list. */
export function prime(tc: TaskContext): PrimeSummary {
  expireLeases(tc);
  return primeSummary(tc.store.rows(), tc.store.all(), tc.actor);
}

function primeSummary(rows: TaskRow[], tasks: Task[], agent: string): PrimeSummary {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  const failures = tasks.flatMap((t) =>
    t.history
      .filter((e) => e.type === "gate_failed" || e.type === "rejected")
      .map((e) => ({
        task: t.id,
        title: t.title,
        at: e.at,
        type: e.type,
        detail:
          e.type === "rejected"
            ? (e.note ?? "")
            : (e.results ?? []).map((r) => `${r.command} (exit ${r.exitCode})`).join(", "),
      })),
  );
  const checkChanges = tasks.flatMap((t) =>
    t.history
      .filter((e) => e.type === "checks_changed")
      .map((e) => ({
        task: t.id,
        at: e.at,
        by: e.by,
        before: e.checksBefore ?? [],
        after: e.checksAfter ?? [],
        reviewRequired: Boolean(e.reviewRequired),
      })),
  );
  return {
    agent,
    counts,
    checkChanges: checkChanges.sort((a, b) => b.at.localeCompare(a.at)).slice(0, 5),
    unverified: rows.filter((r) => r.unverified).map((r) => r.id),
    ready: readyTasks(
      rows,
      rows.filter((r) => r.status === "done"),
    ).slice(0, 5),
    mine: rows.filter((r) => r.assignee === agent && r.status !== "done"),
    recentFailures: failures.sort((a, b) => b.at.localeCompare(a.at)).slice(0, 5),
  };
}

const checks = (list: string[]) => list.join(" ; ") || "(project gates)";
const row = (r: TaskRow) => oneLine(`- ${r.id} [P${r.priority} ${r.status}] ${r.title}`);

/** For an agent: every list taken from the tasks is a data block fenced with a random marker (core/fence.ts). */
export function renderPrime(s: PrimeSummary): string {
  const fence = dataFence([
    ...[...s.mine, ...s.ready].map((r) => r.title),
    ...s.recentFailures.map((f) => f.detail),
    ...s.checkChanges.flatMap((c) => [...c.before, ...c.after]),
  ]);
  const list = (label: string, lines: string[], empty: string[]) =>
    lines.length ? [fence.block(label, lines.join("\n"))] : empty;
  const parts = [
    `# Nexus work summary for ${oneLine(s.agent)}`,
    `Tasks: ${
      Object.entries(s.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ") || "none"
    }`,
    "",
    fence.rule,
    "",
    "## Your claims",
    ...list("your claims", s.mine.map(row), [
      "- none: `nexus task claim --agent NAME` takes the best ready task",
    ]),
    "",
    "## Ready (best first)",
    ...list("ready tasks", s.ready.map(row), ["- nothing ready"]),
    "",
    "## Recent failures",
    ...list("recent failures", s.recentFailures.map(failureLine), ["- none"]),
    ...(s.checkChanges.length ? ["", "## Check changes"] : []),
    ...list("check changes", s.checkChanges.map(checkChangeLine), []),
    ...unverifiedLines(s.unverified),
    "",
    "Done means the gates pass: finish with `nexus task complete ID`; `nexus task show ID` has the full history.",
  ];
  return parts.join("\n");
}

const failureLine = (f: PrimeSummary["recentFailures"][number]) =>
  oneLine(`- ${f.task} ${f.type} ${f.at.slice(0, 16)}: ${f.detail}`);

const checkChangeLine = (c: PrimeSummary["checkChanges"][number]) =>
  oneLine(
    `- ${c.task} ${c.at.slice(0, 16)} by ${c.by}: ${checks(c.before)} → ${checks(c.after)}${c.reviewRequired ? " (weakened after work started: needs a review by someone else)" : ""}`,
  );

function unverifiedLines(ids: string[]): string[] {
  if (!ids.length) return [];
  return [
    "",
    "## Done without a passing gate run (unverified)",
    ...ids.slice(0, 5).map((id) => oneLine(`- ${id}: nexus task verify ${id}`)),
    ...(ids.length > 5 ? [`- and ${ids.length - 5} more: nexus task list --unverified`] : []),
  ];
}
