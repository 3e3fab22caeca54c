import { NexusError, UsageError } from "../core/errors.js";
import { LEASE_SECONDS, record, type TaskContext } from "./context.js";
import { taskEvent } from "./events.js";
import type { Trust } from "./evidence.js";
import { newTaskId } from "./ids.js";
import { isUnverified } from "./integrity.js";
import {
  checkAgentName,
  checkChecks,
  checkLabels,
  checkTaskIds,
  checkText,
  checkTitle,
  checkWorkspace,
} from "./limits.js";
import { canMove, newTask, type Task, type TaskStatus } from "./model.js";
import type { TaskTx } from "./store.js";

const DEFAULT_LEASE_SECONDS = LEASE_SECONDS;

export interface CreateTaskInput {
  title: string;
  description?: string;
  priority?: number;
  dependsOn?: string[];
  checks?: string[];
  review?: boolean;
  workspace?: string;
  labels?: string[];
}

export function createTask(tc: TaskContext, input: CreateTaskInput): Task {
  const title = input.title.trim();
  if (!title)
    throw new UsageError(
      "A task needs a title.",
      'Example: nexus task create "Add JWT login" --check "npm test"',
    );
  const priority = validPriority(input.priority ?? 2);
  checkTaskFields({ ...input, title });
  checkAgentName(tc.actor);
  const created = tc.store.write((tx) => {
    for (const dep of input.dependsOn ?? []) tx.get(dep);
    const now = tc.now().toISOString();
    const task: Task = {
      ...newTask(
        newTaskId((id) => tx.has(id), tx.count()),
        now,
      ),
      title,
      description: input.description ?? "",
      priority,
      labels: input.labels ?? [],
      dependsOn: [...new Set(input.dependsOn ?? [])],
      checks: input.checks ?? [],
      review: Boolean(input.review),
      workspace: input.workspace ?? null,
    };
    // The checks go into the history too: a later change, even by hand in tasks.jsonl, shows.
    const recorded = record(tc, task, { type: "created", to: "open", checksAfter: task.checks });
    tx.put(recorded);
    return recorded;
  });
  taskEvent("created", created.id);
  return created;
}

/** The limits every stored field obeys (see limits.ts); shared by create and update. */
export function checkTaskFields(
  fields: Omit<Partial<Task>, "workspace"> & { workspace?: string | null },
): void {
  if (fields.title !== undefined) checkTitle(fields.title);
  checkText("description", fields.description);
  checkChecks(fields.checks);
  checkTaskIds(fields.dependsOn);
  checkLabels(fields.labels);
  checkWorkspace(fields.workspace);
}

export function validPriority(priority: number): number {
  if (Number.isInteger(priority) && priority >= 0 && priority <= 4) return priority;
  throw new UsageError(
    `Invalid priority ${priority}.`,
    "Priorities run from 0 (most urgent) to 4; the default is 2.",
  );
}

/** Moves a task and records why; an illegal move is a usage error that changes nothing. */
export function move(
  tc: TaskContext,
  task: Task,
  to: TaskStatus,
  event: { type: string; note?: string; by?: string },
): Task {
  if (!canMove(task.status, to)) {
    throw new NexusError(`Task ${task.id} is ${task.status}; it cannot move to ${to}.`, {
      category: "validation",
      hint: transitionHint(task.status),
    });
  }
  return record(tc, { ...task, status: to }, { ...event, from: task.status, to });
}

function transitionHint(status: TaskStatus): string {
  const hints: Record<TaskStatus, string> = {
    open: "Start or claim it first: nexus task start ID / nexus task claim ID --agent A.",
    in_progress: "Finish it with `nexus task complete ID` (runs the gates).",
    verifying: "Its gates are running; wait, or re-run them with `nexus task verify ID`.",
    awaiting_review: "Approve or reject it: nexus task approve|reject ID --by WHO.",
    rejected: "Start it again (`nexus task start ID`) and complete it.",
    blocked: "Start it again with `nexus task start ID` once the blocker is gone.",
    done: "It is done; reject it to reopen: nexus task reject ID --reason TEXT --by WHO.",
  };
  return hints[status];
}

/** Dependencies not done, counting one marked done without a passing gate run as not done. */
function dependenciesDone(tx: Pick<TaskTx, "find">, task: Task, trust: Trust): string[] {
  return task.dependsOn.filter((id) => {
    const dep = tx.find(id);
    return dep?.status !== "done" || isUnverified(dep, trust);
  });
}

export function requireDependenciesDone(tx: Pick<TaskTx, "find">, task: Task, trust: Trust): void {
  const pending = dependenciesDone(tx, task, trust);
  if (pending.length === 0) return;
  const unverified = pending.filter((id) => tx.find(id)?.status === "done");
  throw new NexusError(`Task ${task.id} depends on unfinished tasks: ${pending.join(", ")}.`, {
    category: "conflict",
    hint: unverified.length
      ? `${unverified.join(", ")} ${unverified.length > 1 ? "are" : "is"} marked done without a passing gate run: nexus task verify ${unverified[0]}`
      : `See \`nexus task deps ${task.id}\`; finish those first.`,
  });
}

export function leaseUntil(tc: TaskContext, seconds = DEFAULT_LEASE_SECONDS): string {
  return new Date(tc.now().getTime() + seconds * 1000).toISOString();
}

/** The fields of a task that holds no lease. */
export const NO_LEASE = { leaseExpiresAt: null, leaseSeconds: undefined };

/** A claim protects the work while it is being done: in progress or verifying, until it expires. */
export function leaseLives(task: Task, now: Date): boolean {
  return (
    (task.status === "in_progress" || task.status === "verifying") &&
    Boolean(task.assignee && task.leaseExpiresAt && task.leaseExpiresAt > now.toISOString())
  );
}

/**
 * The one check behind `complete`, `reject` and `heartbeat`: while a lease lives only its holder
 * acts on the task. Names compare exactly, as claims do.
 */
export function requireLeaseHolder(task: Task, actor: string, now: Date, action = "complete"): void {
  if (!leaseLives(task, now) || task.assignee === actor) return;
  throw new NexusError(
    `${actor} cannot ${action} ${task.id}: it is claimed by ${task.assignee} until ${task.leaseExpiresAt}.`,
    {
      category: "conflict",
      hint: `Only the lease holder may ${action} it while the lease lives. Ask ${task.assignee} to finish it, or take it over once the lease has ended (\`nexus task claim ${task.id} --agent NAME\`).`,
    },
  );
}

/** Refuses a dependency list that would close a cycle through `taskId`. */
export function assertNoCycle(tx: Pick<TaskTx, "find">, taskId: string, dependsOn: string[]): void {
  const seen = new Set<string>();
  const visit = (id: string, trail: string[]): void => {
    if (id === taskId) {
      throw new UsageError(
        `That dependency would make a cycle: ${[taskId, ...trail].join(" -> ")}.`,
        "Remove one of the dependencies.",
      );
    }
    if (seen.has(id)) return;
    seen.add(id);
    for (const next of tx.find(id)?.dependsOn ?? []) visit(next, [...trail, next]);
  };
  for (const dep of dependsOn) visit(dep, [dep]);
}
