import type { TaskContext } from "../context.js";
import { taskEvent } from "../events.js";
import { allowSigner, evidencePayload, loadSigner, signPayload } from "../evidence.js";
import { newEventId } from "../ids.js";
import { move, NO_LEASE } from "../lifecycle.js";
import type { CheckResult, LandCause, Task, TaskEvent } from "../model.js";

/** Who lands and sends back, in the tasks' histories. */
export const LANDER = "nexus-land";

/** The record of a landing, signed as a done record is: which commit the target moved to, what ran. */
export async function landedEvent(
  tc: TaskContext,
  task: Task,
  landing: {
    target: string;
    commit: string;
    from: string;
    results: CheckResult[];
    note?: string;
    review?: string;
  },
): Promise<TaskEvent> {
  const { target, commit, from, results } = landing;
  const signer = await loadSigner(tc.paths.root);
  const event: TaskEvent = {
    id: newEventId(),
    at: tc.now().toISOString(),
    by: tc.actor,
    type: "landed",
    commit,
    target,
    checks: results.map((r) => r.command),
    results,
    note:
      landing.note ??
      `landed on ${target} as ${commit.slice(0, 12)} (rebased from ${from.slice(0, 12)}); ${results.length} check(s) passed in workspace nexus-land`,
    ...(landing.review ? { review: landing.review } : {}),
    signer: signer.principal,
  };
  const signature = await signPayload(signer, evidencePayload(task.id, event));
  if (allowSigner(tc.paths, signer)) tc.store.refreshTrust();
  return { ...event, signature };
}

/** Appends the landing's record (once: a landing finished after a kill may be recorded already). */
export function recordLanded(tc: TaskContext, taskId: string, event: TaskEvent): void {
  tc.store.write((tx) => {
    const task = tx.get(taskId);
    if (task.history.some((e) => e.id === event.id)) return;
    tx.put({ ...task, updatedAt: event.at, history: [...task.history, event] });
  });
  taskEvent("landed", taskId);
}

export interface SendBack {
  cause: LandCause;
  target: string;
  note: string;
  files?: string[];
  results?: CheckResult[];
}

/**
 * Back to its assignee: done → rejected, a rejection like a reviewer's (counted, and fed into the
 * next prompt), with the cause and what to do. A task someone moved meanwhile is left as it is.
 */
export function sendBack(tc: TaskContext, taskId: string, back: SendBack): Task {
  const sent = tc.store.write((tx) => {
    const task = tx.get(taskId);
    if (task.status !== "done") return task;
    const next = move(tc, { ...task, rejections: task.rejections + 1, ...NO_LEASE }, "rejected", {
      type: "rejected",
      by: LANDER,
      note: back.note,
    });
    const last = next.history.at(-1)!;
    const detailed: TaskEvent = {
      ...last,
      cause: back.cause,
      target: back.target,
      ...(back.files ? { files: back.files } : {}),
      ...(back.results ? { results: back.results } : {}),
    };
    const out = { ...next, history: [...next.history.slice(0, -1), detailed] };
    tx.put(out);
    return out;
  });
  if (sent.status === "rejected") taskEvent("sent_back", taskId, { cause: back.cause });
  return sent;
}

/** The feedback for each cause: what went wrong, and what the assignee does next. */
export function sendBackNote(cause: LandCause, detail: { target: string; text: string }): string {
  const { target, text } = detail;
  const notes: Record<LandCause, string> = {
    conflict: `Landing on ${target} stopped: this branch conflicts with ${target}. Rebase it onto ${target} (\`git rebase ${target}\`), resolve the conflicts, commit, and complete the task again.\n${text}`,
    checks: `Landing on ${target} stopped: the checks failed on this branch rebased onto ${target} (it passed alone; the combination fails). Rebase onto ${target}, fix it, and complete the task again.\n${text}`,
    unverified: `Landing on ${target} stopped: ${text} Commit the work, and complete (or verify) the task again so the gates pass on what is committed.`,
    "own-files": `Landing on ${target} stopped: this branch changes ${text}, which only Nexus writes (task state and who may sign evidence). Undo that on the branch (\`git checkout ${target} -- ${text}\`), commit, and complete the task again.`,
  };
  return notes[cause];
}
