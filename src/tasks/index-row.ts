import type { Db } from "../core/db.js";
import { factsOf } from "./facts.js";
import { serializeTask, type Task } from "./model.js";

/**
 * Writes the index of tasks.jsonl: each task's row in `tasks` (its listed fields and the task itself)
 * and its facts in `task_facts`, a narrow table of its own: `stats` scans a few hundred bytes a task
 * there, where a scan of `tasks` would read every history too. Both change in the same transaction.
 */
export function indexWriter(db: Db) {
  const row = db.prepare(
    `INSERT OR REPLACE INTO tasks (id, title, status, priority, assignee, workspace, lease_expires_at, created_at,
       updated_at, depends_on, labels, data)
     VALUES (@id, @title, @status, @priority, @assignee, @workspace, @leaseExpiresAt, @createdAt, @updatedAt,
       @dependsOn, @labels, @data)`,
  );
  const facts = db.prepare("INSERT OR REPLACE INTO task_facts (id, updated_at, facts) VALUES (?, ?, ?)");
  const dropRow = db.prepare("DELETE FROM tasks WHERE id = ?");
  const dropFacts = db.prepare("DELETE FROM task_facts WHERE id = ?");
  return {
    /** `unverified`: done without a passing, signed gate run (integrity.ts); the facts' msToDone depends on it. */
    put(task: Task, unverified: boolean): void {
      row.run(indexRow(task));
      facts.run(task.id, task.updatedAt, JSON.stringify(factsOf(task, unverified)));
    },
    remove(id: string): void {
      dropRow.run(id);
      dropFacts.run(id);
    },
    clear(): void {
      db.exec("DELETE FROM tasks; DELETE FROM task_facts");
    },
  };
}

function indexRow(task: Task) {
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
  };
}
