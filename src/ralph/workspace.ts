import { type AgentPlace, containerPlace, hostPlace, noDevContainer } from "../agents/sandbox.js";
import { NexusError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import type { TaskContext } from "../tasks/context.js";
import type { Task } from "../tasks/model.js";
import { updateTask } from "../tasks/operations.js";
import { readyTasks } from "../tasks/queries.js";
import { localTree, type TreeAccess } from "../workspace/tree-access.js";
import type { HostPool } from "./hosts.js";

/**
 * The task's workspace, created (from the task's or the default template; with `hosts`, on the one with
 * the most room) or started when needed. An existing workspace stays where it is.
 */
export async function taskWorkspace(
  tc: TaskContext,
  task: Task,
  options: { template?: string; report?: Report; hosts?: HostPool; signal?: AbortSignal } = {},
): Promise<{ name: string; path: string }> {
  const { template, report, hosts } = options;
  const { createWorkspace, upWorkspace } = await import("../workspace/manager.js");
  const ctx = tc.project;
  const name = task.workspace ?? `task-${task.id.replace(/^nx-/, "")}`;
  const existing = ctx.store.find(name);
  if (!existing) {
    const host = await hosts?.take(name, options.signal);
    const created = await createWorkspace(ctx, { name, template, report, host }).finally(() =>
      hosts?.release(name),
    );
    if (!task.workspace) updateTask(tc, task.id, { workspace: name });
    return { name, path: created.workspace.worktreePath };
  }
  if (existing.template !== "none") await upWorkspace(ctx, name, { report });
  return { name, path: existing.worktreePath };
}

/** Refuses an unknown or invalid --template before any task is claimed or workspace created. */
export async function checkTemplate(tc: TaskContext, template: string | undefined): Promise<void> {
  if (template === undefined) return;
  const { checkEnvironmentName } = await import("../workspace/environment/environment.js");
  await checkEnvironmentName(tc.project, template);
}

/** Where the task's agent runs: the workspace's dev container, or the worktree on the host with --on-host. */
export async function agentPlace(
  tc: TaskContext,
  workspace: { name: string; path: string },
  onHost?: boolean,
): Promise<AgentPlace> {
  const host = tc.project.store.get(workspace.name).host;
  if (onHost && host)
    throw new NexusError(
      `Workspace "${workspace.name}" is on host ${host}: its worktree is not on this machine.`,
      {
        category: "validation",
        hint: "Run its agent in its dev container (leave out --on-host), or give the task a workspace here.",
      },
    );
  if (onHost) return hostPlace(workspace.path);
  return containerPlace(tc.project, workspace.name, tc.config.agent);
}

/** The workspace's worktree as Nexus reads it: with git here, or with the host's git over SSH. */
export async function workspaceTree(tc: TaskContext, name: string): Promise<TreeAccess> {
  const record = tc.project.store.get(name);
  if (!record.host) return localTree(record.worktreePath);
  const { remoteTree } = await import("../workspace/remote/tree.js");
  return remoteTree(tc.project, record, tc.paths.root);
}

/**
 * Refuses, before anything is claimed or created, a run whose agent would have no dev container:
 * a named task (or, without names, a ready one) whose workspace is worktree-only, or a template "none".
 */
export async function checkDevContainers(
  tc: TaskContext,
  taskIds: string[],
  template: string | undefined,
): Promise<void> {
  const { environmentName } = await import("../workspace/environment/environment.js");
  const ctx = tc.project;
  const tasks = taskIds.length
    ? taskIds.map((id) => tc.store.get(id))
    : readyTasks(tc.store.rows({ status: "open" }), tc.store.rows({ status: "done" }));
  const fresh = environmentName(ctx, template);
  if (!taskIds.length && fresh === "none") throw noDevContainer(`for new tasks (template "none")`);
  for (const task of tasks) {
    const existing = task.workspace ? ctx.store.find(task.workspace) : undefined;
    if ((existing ? existing.template : fresh) === "none")
      throw noDevContainer(existing ? existing.name : `for task ${task.id} (template "none")`);
  }
}
