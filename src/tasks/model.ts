import { z } from "zod";

export const STATUSES = [
  "open",
  "in_progress",
  "verifying",
  "awaiting_review",
  "rejected",
  "blocked",
  "done",
] as const;
export type TaskStatus = (typeof STATUSES)[number];

const checkResult = z.object({
  command: z.string(),
  exitCode: z.number(),
  durationMs: z.number(),
  outputTail: z.string(),
});

export const eventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    by: z.string(),
    type: z.string(),
    from: z.enum(STATUSES).optional(),
    to: z.enum(STATUSES).optional(),
    note: z.string().optional(),
    commit: z.string().optional(),
    results: z.array(checkResult).optional(),
  })
  .strict();

export const taskSchema = z
  .object({
    id: z.string().regex(/^nx-[0-9a-z]{3,12}$/),
    title: z.string().min(1),
    description: z.string().default(""),
    status: z.enum(STATUSES),
    priority: z.number().int().min(0).max(4),
    labels: z.array(z.string()).default([]),
    dependsOn: z.array(z.string()).default([]),
    checks: z.array(z.string()).default([]),
    review: z.boolean().default(false),
    workspace: z.string().nullable().default(null),
    assignee: z.string().nullable().default(null),
    leaseExpiresAt: z.string().nullable().default(null),
    rejections: z.number().int().min(0).default(0),
    createdAt: z.string(),
    updatedAt: z.string(),
    history: z.array(eventSchema).default([]),
  })
  .strict();

export type Task = z.output<typeof taskSchema>;
export type TaskEvent = z.output<typeof eventSchema>;
export type CheckResult = z.output<typeof checkResult>;

/** Allowed moves; `done` is reached only from `verifying` (passing gates) or by approval. */
const TRANSITIONS: Record<TaskStatus, TaskStatus[]> = {
  open: ["in_progress", "blocked"],
  in_progress: ["verifying", "blocked", "open"],
  verifying: ["done", "awaiting_review", "in_progress"],
  awaiting_review: ["done", "rejected"],
  rejected: ["in_progress", "verifying", "blocked"],
  blocked: ["open", "in_progress"],
  done: ["rejected"],
};

export function canMove(from: TaskStatus, to: TaskStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Stable key order, so every writer produces the same bytes for the same task. */
export const KEY_ORDER: (keyof Task)[] = [
  "id",
  "title",
  "description",
  "status",
  "priority",
  "labels",
  "dependsOn",
  "checks",
  "review",
  "workspace",
  "assignee",
  "leaseExpiresAt",
  "rejections",
  "createdAt",
  "updatedAt",
  "history",
];

export function serializeTask(task: Task): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) ordered[key] = task[key];
  return JSON.stringify(ordered);
}
