import { NexusError } from "../core/errors.js";
import { changeBase, DEFAULT_CHECK_FILES, gatesWeakened, touchedCheckFiles } from "./check-files.js";
import type { TaskContext } from "./context.js";
import { taskEvent } from "./events.js";
import { allowSigner, evidencePayload, loadSigner, signPayload } from "./evidence.js";
import { type GateOptions, type GatePlan, type GateRun, planGates, runGates } from "./gates.js";
import { newEventId } from "./ids.js";
import { effectiveChecks, reviewReason } from "./integrity.js";
import { requireLeaseHolder } from "./lifecycle.js";
import { checkText } from "./limits.js";
import type { Task, TaskEvent, TaskStatus } from "./model.js";

export interface CompleteResult {
  task: Task;
  gates: GateRun;
  /** Whether Nexus listed the signer's key in .nexus/allowed_signers just now (commit it). */
  signerAdded?: boolean;
}

export type CompleteOptions = GateOptions & { id: string; note?: string };

/** States a gate run may start from; `verifying` only in files written before runs stopped persisting it. */
const COMPLETABLE: TaskStatus[] = ["in_progress", "rejected", "verifying"];

/**
 * The only road to done. The gates run while the task stays as it is (a timeout, Ctrl-C or a kill
 * leaves it exactly as before); then, under the lock, the run is recorded only if the task still
 * has the checks that ran and the state it had. Pass → done (or awaiting review), fail → in_progress
 * with every failing command, its exit code and output tail. The record is signed (evidence.ts).
 */
export async function completeTask(tc: TaskContext, options: CompleteOptions): Promise<CompleteResult> {
  checkText("note", options.note);
  const before = tc.store.get(options.id);
  requireLeaseHolder(before, tc.actor, tc.now());
  if (!COMPLETABLE.includes(before.status)) throw notCompletable(before);
  return gateAndRecord(tc, before, options);
}

/**
 * Re-runs the gates. On a done task: pass → a signed `verified` event (which also settles a task that
 * was not verified), fail → back to in_progress. Otherwise as `complete`.
 */
export async function verifyTask(
  tc: TaskContext,
  id: string,
  options: GateOptions = {},
): Promise<CompleteResult> {
  const task = tc.store.get(id);
  if (task.status !== "done" && !COMPLETABLE.includes(task.status))
    throw new NexusError(`Task ${id} is ${task.status}; there is nothing to verify yet.`, {
      category: "validation",
      hint: "Start it first: nexus task start ID",
    });
  requireLeaseHolder(task, tc.actor, tc.now(), "verify");
  return gateAndRecord(tc, task, { ...options, id });
}

async function gateAndRecord(
  tc: TaskContext,
  before: Task,
  options: CompleteOptions,
): Promise<CompleteResult> {
  const plan = await planGates(tc, before);
  const signer = loadSigner(tc.paths.root);
  signer.catch(() => undefined);
  const [gates, reviewFiles] = await Promise.all([runGates(tc, plan, options), reviewFilesFor(tc, plan)]);
  const settled = before.status === "done" && !tc.store.isUnverified(before);
  const event = outcomeEvent(tc, before, gates, {
    note: options.note,
    reviewFiles: settled ? [] : reviewFiles,
    settled,
  });
  const key = await signer;
  const signature = await signPayload(key, evidencePayload(before.id, { ...event, signer: key.principal }));
  const signed: TaskEvent = { ...event, signer: key.principal, signature };
  const signerAdded = allowSigner(tc.paths, key);
  if (signerAdded) tc.store.refreshTrust();
  const task = tc.store.write((tx) => {
    const current = tx.get(before.id);
    // Again under the lock: another agent may have taken the task over while the gates ran.
    requireLeaseHolder(current, tc.actor, tc.now());
    refuseIfChanged(tc, before, current, gates);
    const next = applyOutcome(current, signed);
    tx.put(next);
    return next;
  });
  if (task.status === "done") taskEvent("completed", task.id);
  return { task, gates, ...(signerAdded ? { signerAdded } : {}) };
}

/** The files the checks depend on that the task's change touched (none for a project without globs). */
async function reviewFilesFor(tc: TaskContext, plan: GatePlan): Promise<string[]> {
  const globs = tc.config.tasks.check_files ?? DEFAULT_CHECK_FILES;
  const base = await changeBase(plan.runner.tree, tc.paths.root);
  const [touched, config] = await Promise.all([
    base ? touchedCheckFiles({ tree: plan.runner.tree, base, checks: plan.checks, globs }) : [],
    plan.projectGates ? gatesWeakened(tc.paths.root, tc.config.gates) : [],
  ]);
  return [...touched, ...config];
}

/** The event that records a gate run, fixed (id, time, author) before it is signed. */
function outcomeEvent(
  tc: TaskContext,
  task: Task,
  gates: GateRun,
  extra: { note?: string; reviewFiles: string[]; settled: boolean },
): TaskEvent {
  const base = {
    id: newEventId(),
    at: tc.now().toISOString(),
    by: tc.actor,
    commit: gates.commit,
    checks: gates.checks,
  };
  if (!gates.passed)
    return {
      ...base,
      type: "gate_failed",
      from: task.status,
      to: "in_progress",
      note: summary(gates),
      results: failures(gates),
    };
  const files = extra.reviewFiles;
  const reason = extra.settled
    ? undefined
    : (reviewReason(task) ??
      (files.length ? `its change touches files its checks depend on: ${files.join(", ")}` : undefined));
  const reverify = task.status === "done" && !reason;
  const note = [extra.note, summary(gates), reason && !task.review ? `awaits review: ${reason}` : undefined]
    .filter(Boolean)
    .join("; ");
  return {
    ...base,
    type: reverify ? "verified" : "gates_passed",
    ...(reverify ? {} : { from: task.status, to: reason ? "awaiting_review" : "done" }),
    note,
    results: gates.results,
    ...(files.length ? { reviewFiles: files } : {}),
  };
}

function applyOutcome(task: Task, event: TaskEvent): Task {
  const status = event.to ?? task.status;
  return {
    ...task,
    status,
    leaseExpiresAt: status === "done" ? null : task.leaseExpiresAt,
    updatedAt: event.at,
    history: [...task.history, event],
  };
}

/** A run counts only for the task as it was when it started: same state, workspace and checks. */
function refuseIfChanged(tc: TaskContext, before: Task, current: Task, gates: GateRun): void {
  const now = effectiveChecks(current, tc.config.gates);
  const same =
    current.status === before.status &&
    current.workspace === before.workspace &&
    JSON.stringify(now) === JSON.stringify(gates.checks);
  if (same) return;
  throw new NexusError(
    `Task ${current.id} changed while its gates ran (now ${current.status}, checks: ${now.join(" ; ") || "none"}); this run was not recorded.`,
    {
      category: "conflict",
      hint: `Run \`nexus task complete ${current.id}\` again: the checks it has now will run.`,
    },
  );
}

function notCompletable(task: Task): NexusError {
  return new NexusError(
    `Task ${task.id} is ${task.status}; only a task in progress or rejected can be completed.`,
    {
      category: "validation",
      hint:
        task.status === "done"
          ? `It is done; re-run its gates with \`nexus task verify ${task.id}\`.`
          : `Start or claim it first: nexus task start ${task.id}`,
    },
  );
}

function failures(gates: GateRun) {
  return gates.results.filter((r) => r.exitCode !== 0);
}

function summary(gates: GateRun): string {
  const failed = failures(gates);
  if (!failed.length) return `${gates.results.length} check(s) passed in ${gates.where}`;
  return `${failed.length} of ${gates.results.length} check(s) failed in ${gates.where}: ${failed.map((f) => `\`${f.command}\` (exit ${f.exitCode})`).join(", ")}`;
}
