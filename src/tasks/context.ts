import { userInfo } from "node:os";
import type { NexusConfig } from "../core/config.js";
import type { Db } from "../core/db.js";
import { ensureMergeDriver } from "../core/merge-driver-config.js";
import type { ProjectPaths } from "../core/paths.js";
import type { Report } from "../core/report.js";
import type { ProjectContext } from "../workspace/context.js";
import { loadTrust } from "./evidence.js";
import { newEventId } from "./ids.js";
import type { Task, TaskEvent } from "./model.js";
import { TaskStore } from "./store.js";

export interface TaskContext {
  paths: ProjectPaths;
  config: NexusConfig;
  db: Db;
  store: TaskStore;
  /** The project as this command opened it (workspace records, repository id): passed down, never reopened. */
  project: ProjectContext;
  /** Who is acting: --by/--agent, else NEXUS_AGENT, else the OS user. */
  actor: string;
  now: () => Date;
}

function defaultActor(): string {
  if (process.env.NEXUS_AGENT) return process.env.NEXUS_AGENT;
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/**
 * Opens the project once for a task command. git config is not cloned, so this is also where a
 * repository that lacks the tasks.jsonl merge driver gets it (two small file reads when it is there).
 */
export async function openTasks(
  options: { actor?: string; cwd?: string; report?: Report } = {},
): Promise<TaskContext> {
  const { openProject } = await import("../workspace/context.js");
  const project = await openProject(options.cwd, { report: options.report });
  await ensureMergeDriver(project.paths);
  return tasksOf(project, options);
}

/** The task context of a project already opened (one open per command, passed down). */
function tasksOf(project: ProjectContext, options: { actor?: string; report?: Report } = {}): TaskContext {
  const { paths, config, db } = project;
  return {
    paths,
    config,
    db,
    store: new TaskStore(db, paths, loadTrust(paths, config.gates), options.report),
    project,
    actor: options.actor ?? defaultActor(),
    now: () => new Date(),
  };
}

/** Appends an event and bumps updatedAt: every change leaves who, when and why in the history. */
export function record(
  tc: TaskContext,
  task: Task,
  event: Omit<TaskEvent, "id" | "at" | "by"> & { by?: string },
): Task {
  const at = tc.now().toISOString();
  const by = event.by ?? tc.actor;
  const full: TaskEvent = { id: newEventId(), at, by, ...stripUndefined(event) };
  return {
    ...task,
    leaseExpiresAt: extendedLease(tc, task, by),
    updatedAt: at,
    history: [...task.history, full],
  };
}

export const LEASE_SECONDS = 30 * 60;

/** Any command by the lease holder on its task counts as a heartbeat, for the length it claimed. */
function extendedLease(tc: TaskContext, task: Task, by: string): string | null {
  if (!task.leaseExpiresAt || task.assignee !== by) return task.leaseExpiresAt;
  const seconds = task.leaseSeconds ?? LEASE_SECONDS;
  const renewed = new Date(tc.now().getTime() + seconds * 1000).toISOString();
  return [renewed, task.leaseExpiresAt].sort()[1]!;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
