import { existsSync, readFileSync } from "node:fs";
import type { TaskContext } from "../context.js";
import type { LandCause, Task, TaskEvent } from "../model.js";
import { INTEGRATION } from "./integrate.js";
import { type LandStep, landQueue } from "./plan.js";
import { LANDER } from "./record.js";
import { journalFile, landTarget } from "./target.js";

/** A task's landing, from its signed `landed` record. */
interface LandedEntry {
  id: string;
  title: string;
  /** The target's new commit (with --review: the rebased commit pushed for review). */
  commit: string;
  target: string;
  at: string;
  by: string;
  /** Pushed for a person to merge (--review) rather than moved onto the target. */
  review: boolean;
}

/** A task `nexus land` sent back to its assignee, from its `rejected` record. */
export interface SentBackEntry {
  id: string;
  title: string;
  cause: LandCause;
  target: string;
  at: string;
  /** conflict: the conflicting files. */
  files: string[];
  /** checks: the checks that failed on the rebased tree. */
  failed: string[];
  /** The task is still rejected from this landing (its assignee has not completed it again). */
  pending: boolean;
  /** The task's status now. */
  status: string;
}

export interface LandStatus {
  target: string;
  /** What `nexus land` would land now, in order (as --dry-run plans it). */
  queue: LandStep[];
  /** Most recent first. */
  landed: LandedEntry[];
  /** Still rejected from a landing first, then most recent first. */
  sentBack: SentBackEntry[];
  /** A landing a kill interrupted after the target moved: the next `nexus land` finishes it. */
  journal?: { task: string; target: string; commit: string };
  /** The integration workspace nexus-land, when it was made. */
  integration?: { name: string; path: string; host?: string };
}

export interface LandStatusOptions {
  ids?: string[];
  /** Only landings and send-backs at or after this time (ISO 8601, or YYYY-MM-DD). */
  since?: string;
  /** At most this many of each list (default 20). */
  limit?: number;
}

const DEFAULT_LIMIT = 20;

/** `nexus land --status`: the queue, what landed, what went back and why, and any landing left to finish. */
export async function landStatus(tc: TaskContext, options: LandStatusOptions = {}): Promise<LandStatus> {
  const target = await landTarget(tc);
  const queue = await landQueue(tc, target, options.ids);
  const wanted = options.ids?.length ? new Set(options.ids) : undefined;
  const tasks = tc.store.all().filter((t) => !wanted || wanted.has(t.id));
  const since = options.since ?? "";
  const limit = options.limit ?? DEFAULT_LIMIT;
  const landed = tasks
    .flatMap(landedOf)
    .filter((e) => e.at >= since)
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, limit);
  const sentBack = tasks
    .flatMap(sentBackOf)
    .filter((e) => e.pending || e.at >= since)
    .sort((a, b) => Number(b.pending) - Number(a.pending) || b.at.localeCompare(a.at))
    .slice(0, limit);
  const journal = pendingJournal(tc);
  const integration = integrationOf(tc);
  return {
    target,
    queue,
    landed,
    sentBack,
    ...(journal ? { journal } : {}),
    ...(integration ? { integration } : {}),
  };
}

function landedOf(task: Task): LandedEntry[] {
  return task.history
    .filter((e) => e.type === "landed")
    .map((e) => ({
      id: task.id,
      title: task.title,
      commit: e.commit ?? "",
      target: e.target ?? "",
      at: e.at,
      by: e.by,
      review: Boolean(e.review),
    }));
}

function sentBackOf(task: Task): SentBackEntry[] {
  const lastMove = [...task.history].reverse().find((e) => e.to !== undefined);
  return task.history.filter(isSendBack).map((e) => ({
    id: task.id,
    title: task.title,
    cause: e.cause as LandCause,
    target: e.target ?? "",
    at: e.at,
    files: e.files ?? [],
    failed: (e.results ?? []).filter((r) => r.exitCode !== 0).map((r) => r.command),
    pending: e === lastMove && task.status === "rejected",
    status: task.status,
  }));
}

const isSendBack = (e: TaskEvent) => e.type === "rejected" && e.by === LANDER && e.cause !== undefined;

function pendingJournal(tc: TaskContext): LandStatus["journal"] {
  const file = journalFile(tc);
  if (!existsSync(file)) return undefined;
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as { task?: string; target?: string; next?: string };
    return { task: String(j.task ?? "?"), target: String(j.target ?? "?"), commit: String(j.next ?? "?") };
  } catch {
    return { task: "?", target: "?", commit: "?" };
  }
}

function integrationOf(tc: TaskContext): LandStatus["integration"] {
  const ws = tc.project.store.find(INTEGRATION);
  if (!ws) return undefined;
  return { name: INTEGRATION, path: ws.worktreePath, ...(ws.host ? { host: ws.host } : {}) };
}
