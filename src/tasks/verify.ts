import { NexusError } from "../core/errors.js";
import { record, type TaskContext } from "./context.js";
import { type GateRun, runGates } from "./gates.js";
import { move } from "./lifecycle.js";
import type { Task } from "./model.js";

export interface CompleteResult {
  task: Task;
  gates: GateRun;
}

/**
 * The only road to done: move to verifying, run the gates outside the lock (they take time),
 * then record the run. Pass → done (or awaiting review); any failure → back to in_progress
 * with every failing command, its exit code and output tail in the history.
 */
export async function completeTask(
  tc: TaskContext,
  options: { id: string; note?: string },
): Promise<CompleteResult> {
  const started = tc.store.write((tx) => {
    const task = tx.get(options.id);
    if (task.status === "verifying") return task;
    const next = move(tc, task, "verifying", { type: "verification_started", note: options.note });
    tx.put(next);
    return next;
  });
  let gates: GateRun;
  try {
    gates = await runGates(tc, started);
  } catch (error) {
    revert(tc, options.id, (error as Error).message);
    throw error;
  }
  return { task: recordRun(tc, options.id, gates), gates };
}

/** Re-runs the gates; a done task whose gates now fail goes back to in_progress. */
export async function verifyTask(tc: TaskContext, id: string): Promise<CompleteResult> {
  const task = tc.store.get(id);
  if (task.status === "done") {
    const gates = await runGates(tc, task);
    const updated = tc.store.write((tx) => {
      const current = tx.get(id);
      const next = gates.passed
        ? record(tc, current, { type: "verified", commit: gates.commit, results: gates.results })
        : record(
            tc,
            { ...current, status: "in_progress" },
            {
              type: "gate_failed",
              from: "done",
              to: "in_progress",
              commit: gates.commit,
              results: failures(gates),
            },
          );
      tx.put(next);
      return next;
    });
    return { task: updated, gates };
  }
  if (!["in_progress", "rejected", "verifying"].includes(task.status)) {
    throw new NexusError(`Task ${id} is ${task.status}; there is nothing to verify yet.`, {
      category: "validation",
      exitCode: 2,
      hint: "Start it first: nexus task start ID",
    });
  }
  return completeTask(tc, { id });
}

function recordRun(tc: TaskContext, id: string, gates: GateRun): Task {
  return tc.store.write((tx) => {
    const task = tx.get(id);
    let next: Task;
    if (!gates.passed) {
      next = move(tc, task, "in_progress", { type: "gate_failed", note: summary(gates) });
      next = {
        ...next,
        history: [
          ...next.history.slice(0, -1),
          { ...next.history.at(-1)!, commit: gates.commit, results: failures(gates) },
        ],
      };
    } else {
      const to = task.review ? "awaiting_review" : "done";
      next = move(tc, { ...task, leaseExpiresAt: to === "done" ? null : task.leaseExpiresAt }, to, {
        type: "gates_passed",
        note: summary(gates),
      });
      next = {
        ...next,
        history: [
          ...next.history.slice(0, -1),
          { ...next.history.at(-1)!, commit: gates.commit, results: gates.results },
        ],
      };
    }
    tx.put(next);
    return next;
  });
}

function revert(tc: TaskContext, id: string, reason: string): void {
  tc.store.write((tx) => {
    const task = tx.get(id);
    if (task.status !== "verifying") return;
    tx.put(move(tc, task, "in_progress", { type: "verification_error", note: reason }));
  });
}

function failures(gates: GateRun) {
  return gates.results.filter((r) => r.exitCode !== 0);
}

function summary(gates: GateRun): string {
  const failed = failures(gates);
  if (!failed.length) return `${gates.results.length} check(s) passed in ${gates.where}`;
  return `${failed.length} of ${gates.results.length} check(s) failed in ${gates.where}: ${failed.map((f) => `\`${f.command}\` (exit ${f.exitCode})`).join(", ")}`;
}
