import type { NexusConfig } from "../core/config.js";
import { NexusError } from "../core/errors.js";
import { signatureVerifies, type Trust } from "./evidence.js";
import type { Task, TaskEvent } from "./model.js";

/**
 * What makes a task's state trustworthy: a done task carries the passing gate run that made it
 * done, and a task whose checks were weakened after work started needs someone else's review.
 * Pure functions of the task's history, so a hand-edited or merged tasks.jsonl is judged the same
 * way as one written by Nexus.
 */

const passing = (e: TaskEvent | undefined): boolean =>
  Boolean(e?.commit && e.results?.length && e.results.every((r) => r.exitCode === 0));

/** The last status change, or the last re-verification of a done task. */
function lastTransition(history: TaskEvent[], before = history.length): number {
  for (let i = before - 1; i >= 0; i--) {
    const e = history[i]!;
    if (e.to !== undefined || e.type === "verified") return i;
  }
  return -1;
}

/**
 * The event that claims a done task done: its last transition is a passing gate run into done, a
 * passing re-verification, or an approval right after a passing gate run into review.
 */
export function claimedProof(task: Task): TaskEvent | undefined {
  if (task.status !== "done") return undefined;
  const at = lastTransition(task.history);
  const last = task.history[at];
  if (!last) return undefined;
  if (last.type === "verified" || (last.type === "gates_passed" && last.to === "done"))
    return passing(last) ? last : undefined;
  if (last.type !== "approved" || last.to !== "done") return undefined;
  const before = task.history[lastTransition(task.history, at)];
  return before?.type === "gates_passed" && before.to === "awaiting_review" && passing(before)
    ? before
    : undefined;
}

/** The checks that run when the task completes: its own, else the project's gates. */
export function effectiveChecks(task: Pick<Task, "checks">, gates: string[]): string[] {
  return task.checks.length ? task.checks : gates;
}

/**
 * Why a done task does not count as verified, or undefined when it does: its proof must be a
 * passing gate run, of exactly the checks the task has now, signed by an allowed key, and not
 * older than any change of state or checks recorded before it (an old record copied to the end
 * proves nothing). Other events (a title edit, a claim renewal) may land while the gates run.
 */
/** `task show` and MCP's `task_show`: a task with whether (and why) its done is not backed by a gate run. */
export function showTask(store: { get(id: string): Task; trust: Trust }, id: string) {
  const task = store.get(id);
  const why = unverifiedReason(task, store.trust);
  return { ...task, unverified: why !== undefined, ...(why ? { unverifiedReason: why } : {}) };
}

export function unverifiedReason(task: Task, trust: Trust): string | undefined {
  if (task.status !== "done") return undefined;
  const proof = claimedProof(task);
  if (!proof) return "marked done without a passing gate run";
  if (!proof.checks) return "its gate run does not record which checks ran (made before signed evidence)";
  const now = effectiveChecks(task, trust.gates);
  if (JSON.stringify(proof.checks) !== JSON.stringify(now))
    return `its checks changed since they passed (passed: ${proof.checks.join(" ; ") || "none"}; now: ${now.join(" ; ") || "none"})`;
  const index = task.history.indexOf(proof);
  const changes = task.history
    .slice(0, index)
    .filter((e) => e.to !== undefined || e.type === "checks_changed");
  if (changes.some((e) => e.at > proof.at))
    return "its passing gate run is older than events recorded before it";
  if (!proof.signature) return "its gate run is not signed";
  if (!signatureVerifies(trust, task.id, proof))
    return `its gate run's signature does not verify against .nexus/allowed_signers (signer: ${proof.signer ?? "none"})`;
  const approval = task.history[lastTransition(task.history)]!;
  if (approval.type === "approved" && !signatureVerifies(trust, task.id, approval))
    return "its approval is not signed by a key in .nexus/allowed_signers";
  return undefined;
}

/** Done, but not through a passing, signed gate run of its current checks (see unverifiedReason). */
export function isUnverified(task: Task, trust: Trust): boolean {
  return unverifiedReason(task, trust) !== undefined;
}

/** The weakening of the task's checks that still awaits a review (none once one was approved). */
export function pendingCheckReview(task: Task): TaskEvent | undefined {
  for (let i = task.history.length - 1; i >= 0; i--) {
    const e = task.history[i]!;
    if (e.type === "approved") return undefined;
    if (e.type === "checks_changed" && e.reviewRequired) return e;
  }
  return undefined;
}

/**
 * The checks as last recorded in the history (at creation or a change); undefined for a task
 * created before Nexus recorded them there.
 */
function recordedChecks(task: Task): string[] | undefined {
  for (let i = task.history.length - 1; i >= 0; i--) {
    const checks = task.history[i]!.checksAfter;
    if (checks) return checks;
  }
  return undefined;
}

/**
 * Checks that differ from the recorded ones other than by additions: edited by hand in
 * tasks.jsonl (or by a merge) rather than with `task update --check`, which records them.
 */
function checksChangedOutside(task: Task): string[] | undefined {
  const recorded = recordedChecks(task);
  if (!recorded || JSON.stringify(recorded) === JSON.stringify(task.checks)) return undefined;
  const now = new Set(task.checks);
  const added = recorded.length > 0 && recorded.every((c) => now.has(c));
  return added ? undefined : recorded;
}

/** Why the task stops at awaiting_review when its gates pass, if it does. */
export function reviewReason(task: Task): string | undefined {
  if (task.review) return "review required";
  const weakened = pendingCheckReview(task);
  if (weakened)
    return `its checks were weakened by ${weakened.by} at ${weakened.at.slice(0, 16)}: a review by someone else is required`;
  const recorded = checksChangedOutside(task);
  if (recorded)
    return `its checks were changed outside Nexus (recorded: ${recorded.join(" ; ") || "the project's gates"}): a review by someone else is required; \`nexus task update ${task.id} --check ...\` records them`;
  return undefined;
}

/** Whether the task has left `open` at least once: claimed, started, blocked or beyond. */
function workStarted(task: Task): boolean {
  return task.status !== "open" || task.history.some((e) => e.from === "open");
}

/**
 * The history event for a change of checks, or undefined when they did not change. Removing or
 * changing a check weakens them; adding never does. A weakening after work started needs a
 * review unless waived with --allow-check-change, which only a project that allows it accepts.
 */
export function checksChange(
  tc: { config: NexusConfig },
  task: Task,
  checks: string[],
  allowCheckChange = false,
): (Omit<TaskEvent, "id" | "at" | "by"> & { type: "checks_changed" }) | undefined {
  if (allowCheckChange) refuseWaiver(tc);
  // Compared with the checks the history last recorded, so a hand edit gets recorded too.
  const before = recordedChecks(task) ?? task.checks;
  if (JSON.stringify(before) === JSON.stringify(checks)) return undefined;
  const after = new Set(effectiveChecks({ checks }, tc.config.gates));
  const weakened = effectiveChecks({ checks: before }, tc.config.gates).some((c) => !after.has(c));
  const review = weakened && workStarted(task);
  const waived = review && allowCheckChange;
  const note = !weakened
    ? "checks changed (none removed)"
    : !review
      ? "checks weakened before work started"
      : waived
        ? "checks weakened after work started; review waived (--allow-check-change)"
        : "checks weakened after work started: it needs a review by someone else before it is done";
  return {
    type: "checks_changed",
    note,
    checksBefore: before,
    checksAfter: checks,
    ...(weakened ? { weakened: true } : {}),
    ...(review && !waived ? { reviewRequired: true } : {}),
    ...(waived ? { waived: true } : {}),
  };
}

function refuseWaiver(tc: { config: NexusConfig }): void {
  if (tc.config.tasks.allow_check_change) return;
  throw new NexusError("--allow-check-change is not allowed in this project.", {
    category: "validation",
    hint: "Change the checks without it (a weakened task then needs someone else's review: nexus task approve ID --by REVIEWER), or set `tasks: { allow_check_change: true }` in .nexus/config.yaml.",
  });
}
