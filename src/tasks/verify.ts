import { NexusError } from "../core/errors.js";
import { record, type TaskContext } from "./context.js";
import { taskEvent } from "./events.js";
import { type GateRun, planGates, runGates } from "./gates.js";
import { isUnverified, reviewReason } from "./integrity.js";
import { move, requireLeaseHolder } from "./lifecycle.js";
import type { Task } from "./model.js";
import type { TaskTx } from "./store.js";

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
  // Every refusal (an illegal move, no checks and no gates, a missing workspace) comes before the
  // first write: a refused complete leaves tasks.jsonl byte for byte as it was.
  const current = tc.store.get(options.id);
  requireLeaseHolder(current, tc.actor, tc.now());
  if (current.status !== "verifying") move(tc, current, "verifying", { type: "verification_started" });
  const plan = await planGates(tc, current);
  const started = tc.store.write((tx) => {
    const task = tx.get(options.id);
    if (
      task.workspace !== current.workspace ||
      JSON.stringify(task.checks) !== JSON.stringify(current.checks)
    )
      throw new NexusError(`Task ${task.id}'s checks changed while its gates were being prepared.`, {
        category: "conflict",
        hint: `Run \`nexus task complete ${task.id}\` again.`,
      });
    if (task.status === "verifying") return task;
    const next = move(tc, task, "verifying", { type: "verification_started", note: options.note });
    tx.put(next);
    return next;
  });
  let gates: GateRun;
  try {
    gates = await runGates(tc, started, plan);
  } catch (error) {
    revert(tc, options.id, (error as Error).message);
    throw error;
  }
  return { task: recordRun(tc, options.id, gates), gates };
}

/**
 * Re-runs the gates. On a done task: pass → a `verified` event (which also settles a task marked
 * done without a passing run; one that needs a review goes to awaiting_review instead), fail →
 * back to in_progress.
 */
export async function verifyTask(tc: TaskContext, id: string): Promise<CompleteResult> {
  const task = tc.store.get(id);
  if (task.status === "done") {
    const gates = await runGates(tc, task);
    return { task: tc.store.write((tx) => recordVerification(tc, tx, id, gates)), gates };
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

function recordVerification(tc: TaskContext, tx: TaskTx, id: string, gates: GateRun): Task {
  const current = tx.get(id);
  const reason = isUnverified(current) ? reviewReason(current) : undefined;
  const run = { commit: gates.commit, note: summary(gates), from: current.status };
  const next = !gates.passed
    ? record(
        tc,
        { ...current, status: "in_progress" },
        { ...run, type: "gate_failed", to: "in_progress", results: failures(gates) },
      )
    : reason
      ? record(
          tc,
          { ...current, status: "awaiting_review" },
          {
            ...run,
            type: "gates_passed",
            to: "awaiting_review",
            note: `${run.note}; awaits review: ${reason}`,
            results: gates.results,
          },
        )
      : record(tc, current, { type: "verified", commit: gates.commit, results: gates.results });
  tx.put(next);
  return next;
}

function recordRun(tc: TaskContext, id: string, gates: GateRun): Task {
  const recorded = writeRun(tc, id, gates);
  if (recorded.status === "done") taskEvent("completed", id);
  return recorded;
}

function writeRun(tc: TaskContext, id: string, gates: GateRun): Task {
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
      const reason = reviewReason(task);
      const to = reason ? "awaiting_review" : "done";
      next = move(tc, { ...task, leaseExpiresAt: to === "done" ? null : task.leaseExpiresAt }, to, {
        type: "gates_passed",
        note: reason && !task.review ? `${summary(gates)}; awaits review: ${reason}` : summary(gates),
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
