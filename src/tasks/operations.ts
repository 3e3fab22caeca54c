import { NexusError, UsageError } from "../core/errors.js";
import { record, type TaskContext } from "./context.js";
import { taskEvent } from "./events.js";
import { checksChange, pendingCheckReview } from "./integrity.js";
import {
  assertNoCycle,
  checkTaskFields,
  leaseLives,
  leaseUntil,
  move,
  NO_LEASE,
  requireDependenciesDone,
  requireLeaseHolder,
  validPriority,
} from "./lifecycle.js";
import { checkAgentName, checkTaskId, checkText } from "./limits.js";
import type { Task, TaskEvent } from "./model.js";
import { readyTasks } from "./queries.js";
import type { TaskTx } from "./store.js";

/** Every operation's id and actor are bounded before anything is read or written. */
function checkRequest(tc: TaskContext, id: string | undefined, agent = tc.actor): void {
  if (id !== undefined) checkTaskId(id);
  checkAgentName(agent);
}

export function startTask(tc: TaskContext, id: string): Task {
  checkRequest(tc, id);
  return tc.store.write((tx) => {
    const task = tx.get(id);
    requireDependenciesDone(tx, task, tc.store.trust);
    const moved = move(
      tc,
      { ...task, assignee: task.assignee ?? tc.actor, ...NO_LEASE, leaseExpiresAt: leaseUntil(tc) },
      "in_progress",
      { type: "started" },
    );
    tx.put(moved);
    return moved;
  });
}

export function assignTask(tc: TaskContext, id: string, agent: string): Task {
  checkRequest(tc, id, agent);
  return tc.store.write((tx) => {
    const task = tx.get(id);
    requireDependenciesDone(tx, task, tc.store.trust);
    if (task.status === "done") throw new UsageError(`Task ${id} is done.`, "Reject it first to reopen it.");
    const assigned = record(tc, { ...task, assignee: agent }, { type: "assigned", note: agent });
    tx.put(assigned);
    return assigned;
  });
}

/** One locked transaction per claim: ten agents claiming at once get ten different tasks. */
export function claimTask(
  tc: TaskContext,
  options: { id?: string; agent: string; ttlSeconds?: number },
): Task {
  checkRequest(tc, options.id, options.agent);
  return tc.store.write((tx) => {
    expireLeasesIn(tc, tx);
    const task = options.id ? tx.get(options.id) : bestReady(tc, tx);
    if (!task)
      throw new NexusError("Nothing is ready to claim.", {
        category: "not_found",
        hint: "See `nexus task list` for blocked and in-progress work.",
      });
    requireDependenciesDone(tx, task, tc.store.trust);
    // Held while in progress, and while its holder's gates run (verifying) until the lease ends.
    const held = task.status === "in_progress" || leaseLives(task, tc.now());
    if (held && task.assignee && task.assignee !== options.agent) {
      throw new NexusError(`Task ${task.id} is claimed by ${task.assignee} until ${task.leaseExpiresAt}.`, {
        category: "conflict",
        hint: "Claim another task, or wait for the lease to expire.",
      });
    }
    // The lease length is kept with the task: the holder's later commands renew it for as long.
    const lease = { leaseExpiresAt: leaseUntil(tc, options.ttlSeconds), leaseSeconds: options.ttlSeconds };
    const claimed = { ...task, assignee: options.agent, ...lease };
    const next =
      task.status === "in_progress"
        ? record(tc, claimed, { type: "claimed", by: options.agent })
        : move(tc, claimed, "in_progress", { type: "claimed", by: options.agent });
    tx.put(next);
    return next;
  });
}

function bestReady(tc: TaskContext, tx: TaskTx): Task | undefined {
  const [first] = readyTasks(tc.store.rows({ status: "open" }), tc.store.rows({ status: "done" }));
  return first ? tx.get(first.id) : undefined;
}

export function heartbeat(
  tc: TaskContext,
  options: { id: string; agent: string; ttlSeconds?: number },
): Task {
  checkRequest(tc, options.id, options.agent);
  return tc.store.write((tx) => {
    const task = tx.get(options.id);
    requireLeaseHolder(task, options.agent, tc.now(), "renew the lease on");
    if (task.assignee !== options.agent || task.status !== "in_progress") {
      throw new NexusError(`Task ${task.id} is not held by ${options.agent}.`, {
        category: "conflict",
        hint: `Claim it: nexus task claim ${task.id} --agent ${options.agent}`,
      });
    }
    const seconds = options.ttlSeconds ?? task.leaseSeconds;
    const extended = { ...task, leaseExpiresAt: leaseUntil(tc, seconds), leaseSeconds: seconds };
    tx.put(extended);
    return extended;
  });
}

/** Returns expired claims to the ready queue, noting it in their history. */
export function expireLeases(tc: TaskContext): string[] {
  // Every list/ready/claim asks; almost always the answer is none, so it costs one count.
  if (tc.store.expiredLeases(tc.now().toISOString()) === 0) return [];
  return tc.store.write((tx) => expireLeasesIn(tc, tx));
}

function expireLeasesIn(tc: TaskContext, tx: TaskTx): string[] {
  const now = tc.now().toISOString();
  const ids: string[] = [];
  for (const row of tc.store.rows({ status: "in_progress" })) {
    const task = tx.get(row.id);
    if (task.status !== "in_progress" || !task.leaseExpiresAt || task.leaseExpiresAt >= now) continue;
    const note = `lease of ${task.assignee} expired at ${task.leaseExpiresAt}`;
    tx.put(
      move(tc, { ...task, assignee: null, ...NO_LEASE }, "open", {
        type: "lease_expired",
        note,
        by: "nexus",
      }),
    );
    ids.push(task.id);
  }
  return ids;
}

export function blockTask(tc: TaskContext, id: string, reason: string): Task {
  checkRequest(tc, id);
  checkText("reason", reason);
  if (!reason.trim())
    throw new UsageError(
      "A block needs a reason.",
      'Example: nexus task block nx-1a2b --reason "waiting for API keys"',
    );
  return change(tc, id, (task) => move(tc, task, "blocked", { type: "blocked", note: reason }));
}

/** Approves; `signed` is the approval event already signed (review.ts), appended as it is. */
export function approveTask(tc: TaskContext, id: string, by: string, signed?: TaskEvent): Task {
  checkRequest(tc, id, by);
  const approved = change(tc, id, (task) => {
    if (task.status === "verifying")
      throw new NexusError(`Task ${id} is verifying; only a task awaiting review can be approved.`, {
        category: "validation",
        hint: "Wait for its gates to finish (`nexus task show ID`).",
      });
    const next = move(tc, { ...task, ...NO_LEASE }, "done", { type: "approved", by });
    refuseSelfReview(tc, task, by, "approve");
    return signed ? { ...next, updatedAt: signed.at, history: [...task.history, signed] } : next;
  });
  taskEvent("completed", id);
  return approved;
}

/**
 * A review needs a second person: neither the assignee, nor whoever completed it, nor whoever
 * weakened its checks may approve it, or reject it once it is submitted (awaiting review or done).
 */
function refuseSelfReview(tc: TaskContext, task: Task, by: string, verb: "approve" | "reject"): void {
  if (tc.config.tasks.allow_self_review) return;
  const same = (who: string | null | undefined) => who?.trim().toLowerCase() === by.trim().toLowerCase();
  const submitter = [...task.history].reverse().find((e) => e.type === "gates_passed")?.by;
  const weakener = pendingCheckReview(task)?.by;
  const role = same(task.assignee)
    ? "assignee"
    : same(submitter)
      ? "submitter"
      : same(weakener)
        ? "the one who weakened its checks"
        : undefined;
  if (!role) return;
  throw new NexusError(
    `${by} cannot ${verb} ${task.id}: they are ${role.startsWith("the ") ? role : `its ${role}`}, and the reviewer must be someone else.`,
    {
      category: "validation",
      hint: `Ask another agent or person to review it (\`nexus task ${verb} ID --by REVIEWER\`), or, on a solo project, set \`tasks: { allow_self_review: true }\` in .nexus/config.yaml.`,
    },
  );
}

/** Records who, why and when, counts it, and returns the task to its assignee. */
export function rejectTask(tc: TaskContext, options: { id: string; reason: string; by: string }): Task {
  checkRequest(tc, options.id, options.by);
  checkText("reason", options.reason);
  if (!options.reason.trim())
    throw new UsageError(
      "A rejection needs a reason.",
      "Pass --reason TEXT: it is fed back to whoever fixes it.",
    );
  const rejected = change(tc, options.id, (task) => {
    requireLeaseHolder(task, options.by, tc.now(), "reject");
    const next = move(tc, { ...task, rejections: task.rejections + 1, ...NO_LEASE }, "rejected", {
      type: "rejected",
      note: options.reason,
      by: options.by,
    });
    // A rejection of submitted work is a review; the move above has refused anything else.
    refuseSelfReview(tc, task, options.by, "reject");
    return next;
  });
  taskEvent("rejected", options.id);
  return rejected;
}

export interface TaskUpdate {
  title?: string;
  description?: string;
  priority?: number;
  labels?: string[];
  checks?: string[];
  dependsOn?: string[];
  workspace?: string | null;
  review?: boolean;
}

/**
 * Changes fields; a change of checks is its own history event with the old and new checks (see
 * integrity.ts: weakening a started task's checks makes it need a review), returned as `checksChange`.
 */
export function updateTask(
  tc: TaskContext,
  id: string,
  update: TaskUpdate,
  options: { allowCheckChange?: boolean } = {},
): { task: Task; checksChange?: Pick<TaskEvent, "reviewRequired" | "waived"> } {
  if (update.title !== undefined && !update.title.trim())
    throw new UsageError("A task needs a title.", "Pass a non-empty --title.");
  if (update.priority !== undefined) validPriority(update.priority);
  checkRequest(tc, id);
  checkTaskFields(update);
  const dependsOn = update.dependsOn && [...new Set(update.dependsOn)];
  return tc.store.write((tx) => {
    const task = tx.get(id);
    if (dependsOn) {
      for (const dep of dependsOn) tx.get(dep);
      assertNoCycle(tx, id, dependsOn);
    }
    const { checks, ...rest } = { ...update, dependsOn };
    const checksEvent =
      checks !== undefined || options.allowCheckChange
        ? checksChange(tc, task, checks ?? task.checks, options.allowCheckChange)
        : undefined;
    const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    let updated = task;
    if (Object.keys(fields).length || !checksEvent)
      updated = record(tc, { ...task, ...fields }, { type: "updated", note: Object.keys(fields).join(", ") });
    if (checksEvent) updated = record(tc, { ...updated, checks: checks ?? task.checks }, checksEvent);
    tx.put(updated);
    return { task: updated, checksChange: checksEvent };
  });
}

export function deleteTask(tc: TaskContext, id: string): void {
  checkRequest(tc, id);
  tc.store.write((tx) => {
    tx.get(id);
    const dependents = tc.store.rows().filter((r) => r.dependsOn.includes(id));
    if (dependents.length) {
      throw new NexusError(`Tasks ${dependents.map((d) => d.id).join(", ")} depend on ${id}.`, {
        category: "conflict",
        hint: "Remove the dependency first (`nexus task update ID --depends ...`).",
      });
    }
    tx.remove(id);
  });
}

function change(tc: TaskContext, id: string, fn: (task: Task) => Task): Task {
  return tc.store.write((tx) => {
    const next = fn(tx.get(id));
    tx.put(next);
    return next;
  });
}
