import { factsOf } from "./facts.js";
import { serializeTask, type Task } from "./model.js";

/** One task's row in the index (the SQLite `tasks` table): its listed fields, the task itself and its facts. */
export const INSERT_ROW = `INSERT OR REPLACE INTO tasks (id, title, status, priority, assignee, workspace,
    lease_expires_at, created_at, updated_at, depends_on, labels, data, facts)
  VALUES (@id, @title, @status, @priority, @assignee, @workspace, @leaseExpiresAt, @createdAt, @updatedAt,
    @dependsOn, @labels, @data, @facts)`;

/** The values of INSERT_ROW; `unverified`: done without a passing, signed gate run (integrity.ts). */
export function indexRow(task: Task, unverified: boolean) {
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    priority: task.priority,
    assignee: task.assignee,
    workspace: task.workspace,
    leaseExpiresAt: task.leaseExpiresAt,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    dependsOn: JSON.stringify(task.dependsOn),
    labels: JSON.stringify(task.labels),
    data: serializeTask(task),
    facts: JSON.stringify(factsOf(task, unverified)),
  };
}
