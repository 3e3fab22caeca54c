import type { TaskContext } from "../tasks/context.js";
import type { Task } from "../tasks/model.js";
import { updateTask } from "../tasks/operations.js";

/** The task's workspace, created (from the task's or the default template) or started when needed. */
export async function taskWorkspace(
  tc: TaskContext,
  task: Task,
  template?: string,
): Promise<{ name: string; path: string }> {
  const { openProject } = await import("../workspace/context.js");
  const { createWorkspace, upWorkspace } = await import("../workspace/manager.js");
  const ctx = await openProject(tc.paths.root);
  const name = task.workspace ?? `task-${task.id.replace(/^nx-/, "")}`;
  const existing = ctx.store.find(name);
  if (!existing) {
    const created = await createWorkspace(ctx, { name, template });
    if (!task.workspace) updateTask(tc, task.id, { workspace: name });
    return { name, path: created.workspace.worktreePath };
  }
  if (existing.template !== "none") await upWorkspace(ctx, name);
  return { name, path: existing.worktreePath };
}

/** Refuses an unknown or invalid --template before any task is claimed or workspace created. */
export async function checkTemplate(tc: TaskContext, template: string | undefined): Promise<void> {
  if (template === undefined) return;
  const { openProject } = await import("../workspace/context.js");
  const { checkEnvironmentName } = await import("../workspace/environment.js");
  await checkEnvironmentName(await openProject(tc.paths.root), template);
}
