import type { Db } from "../core/db.js";
import type { Task } from "../tasks/model.js";
import { failuresOf } from "../tasks/patterns.js";

export interface Feedback {
  id?: number;
  createdAt: string;
  source: string;
  since: string;
  tasksWorked: string[];
  tasksDone: number;
  successRate: number;
  issues: Record<string, number>;
}

/** What happened to tasks since a time: worked, finished, and the failures by category. */
export function collectFeedback(
  tasks: Task[],
  options: { since: string; source: string; now?: Date },
): Feedback {
  const worked = tasks.filter((t) => t.history.some((e) => e.at >= options.since && e.type !== "created"));
  const issues: Record<string, number> = {};
  for (const { category } of failuresOf(worked, options.since))
    issues[category] = (issues[category] ?? 0) + 1;
  const done = worked.filter((t) => t.status === "done").length;
  return {
    createdAt: (options.now ?? new Date()).toISOString(),
    source: options.source,
    since: options.since,
    tasksWorked: worked.map((t) => t.id),
    tasksDone: done,
    successRate: worked.length ? done / worked.length : 1,
    issues,
  };
}

export function saveFeedback(db: Db, feedback: Feedback): void {
  db.prepare("INSERT INTO feedback (created_at, source, data) VALUES (?, ?, ?)").run(
    feedback.createdAt,
    feedback.source,
    JSON.stringify(feedback),
  );
}

export function feedbackSince(db: Db, since: string): Feedback[] {
  const rows = db.prepare("SELECT id, data FROM feedback WHERE created_at >= ? ORDER BY id").all(since) as {
    id: number;
    data: string;
  }[];
  return rows.map((r) => ({ ...(JSON.parse(r.data) as Feedback), id: r.id }));
}

/** Recurring issues over a window: the categories that keep coming back, across sessions. */
export function analyzeFeedback(records: Feedback[]): {
  sessions: number;
  tasksWorked: number;
  successRate: number;
  recurring: { category: string; count: number; sessions: number }[];
} {
  const totals = new Map<string, { count: number; sessions: number }>();
  for (const r of records) {
    for (const [category, count] of Object.entries(r.issues)) {
      const t = totals.get(category) ?? { count: 0, sessions: 0 };
      totals.set(category, { count: t.count + count, sessions: t.sessions + 1 });
    }
  }
  const worked = records.reduce((n, r) => n + r.tasksWorked.length, 0);
  const done = records.reduce((n, r) => n + r.tasksDone, 0);
  return {
    sessions: records.length,
    tasksWorked: worked,
    successRate: worked ? done / worked : 1,
    recurring: [...totals].map(([category, t]) => ({ category, ...t })).sort((a, b) => b.count - a.count),
  };
}
