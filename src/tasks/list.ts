import { UsageError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import { preview } from "./limits.js";
import { STATUSES } from "./model.js";
import { expireLeases } from "./operations.js";
import { readyTasks } from "./queries.js";
import type { TaskRow } from "./store.js";

export interface TaskFilter {
  status?: string;
  assignee?: string;
  unverified?: boolean;
  /** Only open tasks whose dependencies are done, best first. */
  ready?: boolean;
}

/**
 * The one way to list tasks, for `task list`, `task ready` and MCP alike: the status is checked,
 * expired leases go back to the queue first, so every caller sees the same tasks.
 */
export function listTasks(tc: TaskContext, filter: TaskFilter = {}): TaskRow[] {
  const { status, assignee, unverified, ready } = filter;
  if (status && !(STATUSES as readonly string[]).includes(status))
    throw new UsageError(`Unknown status ${preview(status)}.`, `Use one of: ${STATUSES.join(", ")}.`);
  expireLeases(tc);
  // Ready tasks are open ones: reading only those keeps `task ready` as fast as one status's rows.
  const rows = tc.store.rows({ status: status ?? (ready ? "open" : undefined), assignee, unverified });
  return ready ? readyTasks(rows, tc.store.rows({ status: "done" })) : rows;
}
