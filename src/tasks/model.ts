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

export interface CheckResult {
  command: string;
  exitCode: number;
  durationMs: number;
  outputTail: string;
}

export interface TaskEvent {
  id: string;
  at: string;
  by: string;
  type: string;
  from?: TaskStatus;
  to?: TaskStatus;
  note?: string;
  commit?: string;
  results?: CheckResult[];
  /** checks_changed: the checks before and after (an empty list means the project's gates). */
  checksBefore?: string[];
  checksAfter?: string[];
  /** checks_changed: a check was removed or changed (adding checks never weakens). */
  weakened?: boolean;
  /** checks_changed: weakened after work started, so the task needs someone else's review. */
  reviewRequired?: boolean;
  /** checks_changed: the review was waived with --allow-check-change (tasks.allow_check_change). */
  waived?: boolean;
  /** A gate run: exactly the commands that ran (the task's checks, or the project's gates). */
  checks?: string[];
  /** A gate run: files its checks depend on that the task's change touched (a review is needed). */
  reviewFiles?: string[];
  /** A signed record: the signer's principal (allowed_signers) and the SSHSIG signature (base64). */
  signer?: string;
  signature?: string;
  /** claimed/started: the commit work started from (what "the task's change" is measured against). */
  base?: string;
  /** landed, or sent back by `nexus land`: the branch it landed on, or was to land on. */
  target?: string;
  /** Sent back by `nexus land`: why (conflict, checks, unverified, own-files). */
  cause?: LandCause;
  /** Sent back for a conflict: the files that conflicted. */
  files?: string[];
  /** landed with `--review`: the remote the rebased branch was pushed to (the target did not move). */
  review?: string;
}

export type LandCause = "conflict" | "checks" | "unverified" | "own-files";

interface TaskSource {
  tool: string;
  id: string;
}

export interface Task {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: number;
  labels: string[];
  dependsOn: string[];
  checks: string[];
  review: boolean;
  workspace: string | null;
  assignee: string | null;
  leaseExpiresAt: string | null;
  /**
   * The lease length the holder asked for (`claim --ttl`), kept by every renewal; absent means the
   * default (LEASE_SECONDS). Optional, so files written before it existed load unchanged.
   */
  leaseSeconds?: number;
  /**
   * Where an imported task came from (`nexus task import`): the tool and its id there, so a second
   * import updates the task instead of adding a copy. Absent on tasks made in Nexus.
   */
  source?: TaskSource;
  rejections: number;
  createdAt: string;
  updatedAt: string;
  history: TaskEvent[];
}

/** A task with nothing set yet: open, unassigned, no checks and no history, made at `at`. */
export function newTask(id: string, at: string): Task {
  return {
    id,
    title: "",
    description: "",
    status: "open",
    priority: 2,
    labels: [],
    dependsOn: [],
    checks: [],
    review: false,
    workspace: null,
    assignee: null,
    leaseExpiresAt: null,
    rejections: 0,
    createdAt: at,
    updatedAt: at,
    history: [],
  };
}

const isString = (v: unknown): v is string => typeof v === "string";
const isStringList = (v: unknown) => Array.isArray(v) && v.every(isString);
const isNullableString = (v: unknown) => v === null || isString(v);

/**
 * Checks one parsed line. Hand-written rather than zod: it runs on every line of a 10,000-task
 * file and zod alone costs ~70 ms to load, a quarter of `task list`'s budget.
 */
export function validateTask(value: unknown): Task {
  const t = value as Record<string, unknown>;
  const problems: [string, boolean][] = [
    ["id", isString(t?.id) && /^nx-[0-9a-z]{3,12}$/.test(t.id)],
    ["title", isString(t?.title) && t.title.length > 0],
    ["description", isString(t?.description)],
    ["status", STATUSES.includes(t?.status as TaskStatus)],
    ["priority", Number.isInteger(t?.priority) && (t.priority as number) >= 0 && (t.priority as number) <= 4],
    ["labels", isStringList(t?.labels)],
    ["dependsOn", isStringList(t?.dependsOn)],
    ["checks", isStringList(t?.checks)],
    ["review", typeof t?.review === "boolean"],
    ["workspace", isNullableString(t?.workspace)],
    ["assignee", isNullableString(t?.assignee)],
    ["leaseExpiresAt", isNullableString(t?.leaseExpiresAt)],
    [
      "leaseSeconds",
      t?.leaseSeconds === undefined || (Number.isInteger(t.leaseSeconds) && (t.leaseSeconds as number) > 0),
    ],
    [
      "source",
      t?.source === undefined ||
        (isString((t.source as TaskSource)?.tool) && isString((t.source as TaskSource)?.id)),
    ],
    ["rejections", Number.isInteger(t?.rejections)],
    ["createdAt", isString(t?.createdAt)],
    ["updatedAt", isString(t?.updatedAt)],
    [
      "history",
      Array.isArray(t?.history) &&
        t.history.every(
          (e: TaskEvent) => isString(e?.id) && isString(e?.at) && isString(e?.by) && isString(e?.type),
        ),
    ],
  ];
  const bad = problems.find(([, ok]) => !ok);
  if (bad) throw new TypeError(`field "${bad[0]}" is missing or invalid`);
  return t as unknown as Task;
}

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
  "leaseSeconds",
  "source",
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

/** A commit as people read it: 12 characters, and `+dirty` kept whenever the tree had changes. */
export function shortCommit(commit: string): string {
  const [sha, ...rest] = commit.split("+");
  return [sha!.slice(0, 12), ...rest].join("+");
}
