import { basename, join } from "node:path";
import type { NexusConfig } from "../core/config.js";
import { loadConfigCached } from "../core/config-cache.js";
import { type Db, openDb } from "../core/db.js";
import { UsageError } from "../core/errors.js";
import { findProject, type ProjectPaths, packageRoot, workspaceFromCwd } from "../core/paths.js";
import type { Report } from "../core/report.js";
import { repositoryId, validateWorkspaceName } from "./names.js";
import { WorkspaceStore } from "./store.js";

export interface ProjectContext {
  paths: ProjectPaths;
  config: NexusConfig;
  db: Db;
  store: WorkspaceStore;
  repoId: string;
}

export async function openProject(
  cwd: string = process.cwd(),
  options: { report?: Report } = {},
): Promise<ProjectContext> {
  const paths = await findProject(cwd);
  const db = openDb(paths.dbFile, options.report);
  const config = await loadConfigCached(paths, db);
  const repoId = repositoryId(paths.root);
  const ctx = { paths, config, db, store: new WorkspaceStore(db), repoId };
  // The database is a cache: a new one (deleted, fresh clone) gets its workspace records back once.
  if (!db.prepare("SELECT 1 FROM cache WHERE key = 'workspaces:rebuilt'").get()) {
    const { rebuildWorkspaceRecords } = await import("./rebuild.js");
    await rebuildWorkspaceRecords({ ...ctx, report: options.report });
  }
  return ctx;
}

/** A command's NAME argument, or the workspace whose worktree the current directory is in. */
export function resolveName(ctx: ProjectContext, name: string | undefined): string {
  if (name) return validateWorkspaceName(name);
  const current = workspaceFromCwd(ctx.paths);
  if (current) return current;
  throw new UsageError(
    "No workspace named, and the current directory is not inside one.",
    "Pass a NAME, or run the command inside a workspace's worktree.",
  );
}

/** The folder that holds everything of one workspace on disk: `.nexus/worktrees/NAME`. */
export function workspaceDir(ctx: ProjectContext, name: string): string {
  return join(ctx.paths.worktreesDir, name);
}

/**
 * A new workspace's worktree: `.nexus/worktrees/NAME/<repository folder>`, so a compose file's `..`
 * or `../..` (the usual `../..:/workspaces`) reaches only this workspace, and `/workspaces/<repo>` is
 * where devcontainer files expect it. Older workspaces keep `.nexus/worktrees/NAME` (their record).
 */
export function worktreePath(ctx: ProjectContext, name: string): string {
  return join(workspaceDir(ctx, name), basename(ctx.paths.root));
}

export function runtimeScript(): string {
  return join(packageRoot(), "runtime", "dev-init.sh");
}
