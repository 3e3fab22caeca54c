import type { Task } from "./model.js";
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
export function primeSummary(rows: TaskRow[], tasks: Task[], agent: string): PrimeSummary {
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

export function renderPrime(s: PrimeSummary): string {
  const line = (r: TaskRow) => `- ${r.id} [P${r.priority} ${r.status}] ${r.title}`;
  const parts = [
    `# Nexus work summary for ${s.agent}`,
    `Tasks: ${
      Object.entries(s.counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ") || "none"
    }`,
    "",
    "## Your claims",
    ...(s.mine.length
      ? s.mine.map(line)
      : ["- none: `nexus task claim --agent NAME` takes the best ready task"]),
    "",
    "## Ready (best first)",
    ...(s.ready.length ? s.ready.map(line) : ["- nothing ready"]),
    "",
    "## Recent failures",
    ...(s.recentFailures.length
      ? s.recentFailures.map((f) => `- ${f.task} ${f.type} ${f.at.slice(0, 16)}: ${f.detail}`)
      : ["- none"]),
    ...(s.checkChanges.length
      ? [
          "",
          "## Check changes",
          ...s.checkChanges.map(
            (c) =>
              `- ${c.task} ${c.at.slice(0, 16)} by ${c.by}: ${checks(c.before)} → ${checks(c.after)}${c.reviewRequired ? " (weakened after work started: needs a review by someone else)" : ""}`,
          ),
        ]
      : []),
    ...(s.unverified.length
      ? [
          "",
          "## Done without a passing gate run (unverified)",
          ...s.unverified.slice(0, 5).map((id) => `- ${id}: nexus task verify ${id}`),
          ...(s.unverified.length > 5
            ? [`- and ${s.unverified.length - 5} more: nexus task list --unverified`]
            : []),
        ]
      : []),
    "",
    "Done means the gates pass: finish with `nexus task complete ID`; `nexus task show ID` has the full history.",
  ];
  return parts.join("\n");
}
