import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { git, gitRaw } from "../core/git.js";
import { restoreWorktreeLink } from "../core/git-guard.js";
import { withLockAsync } from "../core/lock.js";
import type { Report } from "../core/report.js";
import type { ProjectContext } from "./context.js";
import { removeContainers, removeWorkspaceResources } from "./engine/containers.js";
import { getDocker } from "./engine/docker.js";
import { upWorkspace, type WorkspaceSummary } from "./manager.js";
import { LABELS } from "./names.js";
import { emptyTrash, trashEntries } from "./trash.js";
import { branchExists, isDirty, lockReason, removeWorktree, worktreeIn, worktreeLock } from "./worktree.js";

export interface RepairResult {
  actions: string[];
  summary: WorkspaceSummary;
}

/** Recreates what drifted away: the worktree (from its branch), the branch, the containers. */
export async function repairWorkspace(
  ctx: ProjectContext,
  name: string,
  options: { report?: Report } = {},
): Promise<RepairResult> {
  const record = ctx.store.get(name);
  if (record.host) {
    const { repairRemote } = await import("./remote/workspace.js");
    const actions = await repairRemote(ctx, record);
    const summary = await upWorkspace(ctx, name, { report: options.report });
    return { actions: [...actions, "containers checked and started"], summary };
  }
  const actions: string[] = [];
  const root = ctx.paths.root;
  const hasBranch = await branchExists(root, record.branch);
  // What the container may have rewritten (the .git file, its admin folder) is put back first.
  if (existsSync(record.worktreePath)) actions.push(...restoreWorktreeLink(record.worktreePath));
  if (!existsSync(record.worktreePath)) {
    await gitRaw(["worktree", "unlock", record.worktreePath], root);
    await gitRaw(["worktree", "prune"], root);
    if (!hasBranch) {
      options.report?.warn(
        `branch ${record.branch} is gone too; recreating it from ${record.baseRef ?? "HEAD"}.`,
      );
      await git(["branch", record.branch, record.baseRef ?? "HEAD"], root);
      actions.push(`recreated branch ${record.branch}`);
    }
    await withLockAsync(worktreeLock(ctx.paths.gitCommonDir), async () => {
      await git(["worktree", "add", record.worktreePath, record.branch], root);
      await git(["worktree", "lock", "--reason", lockReason(record.template), record.worktreePath], root);
    });
    actions.push(`recreated worktree from ${record.branch}`);
    // Running containers still hold a bind mount of the deleted folder: they must be recreated.
    if (record.template !== "none")
      await removeContainers(await getDocker(), { repoId: ctx.repoId, workspace: name });
  } else if (!hasBranch) {
    await git(["checkout", "-b", record.branch], record.worktreePath);
    actions.push(`recreated branch ${record.branch} from the worktree's HEAD`);
  }
  const summary = await upWorkspace(ctx, name, { report: options.report });
  if (record.template !== "none") actions.push("containers checked and started");
  return { actions, summary };
}

export interface PruneResult {
  worktrees: string[];
  skippedDirty: string[];
  containers: string[];
  /** Entries of `.nexus/trash` (destroyed worktrees a crashed or running deletion left) deleted now. */
  trash: string[];
  /** Images Nexus built that no container on the engine uses (any repository's), removed. */
  images: string[];
  dryRun: boolean;
}

/** Removes leftovers whose workspace no longer exists: worktree folders and labelled Docker resources. */
export async function pruneWorkspaces(
  ctx: ProjectContext,
  options: { force?: boolean; dryRun?: boolean; report?: Report } = {},
): Promise<PruneResult> {
  const known = new Set(ctx.store.list().map((r) => r.name));
  const result: PruneResult = {
    worktrees: [],
    skippedDirty: [],
    containers: [],
    trash: [],
    images: [],
    dryRun: Boolean(options.dryRun),
  };
  const dirs = existsSync(ctx.paths.worktreesDir) ? readdirSync(ctx.paths.worktreesDir) : [];
  for (const dir of dirs.filter((d) => !known.has(d))) {
    const path = worktreeIn(join(ctx.paths.worktreesDir, dir), basename(ctx.paths.root));
    if (!options.force && (await isDirty(path))) {
      result.skippedDirty.push(dir);
      continue;
    }
    result.worktrees.push(dir);
    if (!options.dryRun) await removeWorktree(ctx.paths.root, path);
  }
  const docker = await getDocker().catch(() => undefined);
  if (!docker)
    options.report?.warn("Docker is not reachable; containers, networks and volumes were not checked.");
  const orphans = docker ? await orphanWorkspaces(ctx, known) : [];
  for (const workspace of orphans) {
    result.containers.push(workspace);
    if (!options.dryRun) await removeWorkspaceResources(docker!, { repoId: ctx.repoId, workspace });
  }
  if (docker) {
    const { removeImages, unusedImages } = await import("./environment/image-prune.js");
    const unused = await unusedImages(docker);
    result.images = options.dryRun ? unused : await removeImages(docker, unused);
  }
  if (!options.dryRun) await gitRaw(["worktree", "prune"], ctx.paths.root);
  result.trash = options.dryRun ? trashEntries(ctx.paths.root) : await emptyTrash(ctx.paths.root);
  return result;
}

async function orphanWorkspaces(ctx: ProjectContext, known: Set<string>): Promise<string[]> {
  const docker = await getDocker();
  const filters = { label: [`${LABELS.repo}=${ctx.repoId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const names = new Set<string>();
  for (const item of [...containers, ...networks, ...(volumes.Volumes ?? [])]) {
    const workspace = item.Labels?.[LABELS.workspace];
    if (workspace && !known.has(workspace)) names.add(workspace);
  }
  return [...names].sort();
}
