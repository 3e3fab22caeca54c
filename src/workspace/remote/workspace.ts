import { existsSync } from "node:fs";
import { join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { git, gitRaw } from "../../core/git.js";
import type { Report } from "../../core/report.js";
import type { UndoStack } from "../../core/undo.js";
import type { ProjectContext } from "../context.js";
import { removeContainers, removeWorkspaceResources } from "../engine/containers.js";
import { loadDocker } from "../engine/docker.js";
import { onEngine } from "../engine/target.js";
import { loadEnvironment } from "../environment/environment.js";
import { branchName, type WorkspaceRef } from "../names.js";
import { runPostCommands } from "../setup/post-commands.js";
import { type StartOptions, startWorkspace } from "../setup/runtime.js";
import { hostAlias, removeHostEntry } from "../setup/ssh.js";
import type { WorkspaceRecord } from "../store.js";
import { finish, type WorkspaceSummary } from "../summary.js";
import { branchExists, deleteBranch } from "../worktree.js";
import { findHost } from "./hosts.js";
import {
  addRemoteWorktree,
  copyToHost,
  ensureMirror,
  pullBranch,
  pushBranch,
  remoteWorkState,
  removeRemoteWorktree,
} from "./mirror.js";
import { layoutOn, openSite, placementFor, type RemoteSite, siteOf } from "./placement.js";
import { shq } from "./remote-shell.js";
import { ssh, sshFailure } from "./ssh.js";
import { closeTunnels } from "./tunnel.js";

/** Runs `work` against the workspace's host (its engine, its files) when it has one; else as it is. */
export async function onWorkspaceHost<T>(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  work: (site?: RemoteSite) => Promise<T>,
): Promise<T> {
  if (!record.host) return work(undefined);
  const site = await siteOf(ctx, record);
  return onEngine(site.target, () => work(site));
}

export interface RemoteCreate {
  name: string;
  envName: string;
  profiles: string[];
  from?: string;
  host: string;
  undo: UndoStack;
  onStage?: StartOptions["onStage"];
  report?: Report;
}

/**
 * `workspace create NAME --host H`: the branch is made here and pushed to the host's mirror, a worktree
 * is made there, and Compose starts the project's own files on the host's engine. Undone on failure.
 */
export async function createRemote(ctx: ProjectContext, args: RemoteCreate): Promise<WorkspaceSummary> {
  const { name, undo } = args;
  const host = findHost(args.host);
  const site = await openSite(ctx, host);
  const branch = branchName(name);
  const createdBranch = !(await branchExists(ctx.paths.root, branch));
  ctx.store.claim({
    name,
    branch,
    template: args.envName,
    profiles: args.profiles,
    templateHash: null,
    worktreePath: site.layout.worktree(name),
    baseRef: args.from ?? "HEAD",
    state: "creating",
    postCreateDone: false,
    createdBranch,
    host: host.name,
  });
  undo.push(async () => ctx.store.remove(name));
  if (createdBranch) {
    await git(["branch", "--no-track", branch, args.from ?? "HEAD"], ctx.paths.root);
    undo.push(() => deleteBranch(ctx.paths.root, branch));
  }
  await placeWorktree(ctx, site, { name, branch, undo });
  const record = ctx.store.get(name);
  const copiedFiles = await copyFiles(ctx, site, record.worktreePath);
  const env = await loadEnvironment(ctx, args.envName, ctx.paths.root, args.profiles);
  if (!env) return finish(ctx, record, { copiedFiles });
  const ref = { repoId: ctx.repoId, workspace: name };
  undo.push(() => removeRemoteParts(site, ref));
  return onEngine(site.target, async () => {
    const placement = await placementFor(ctx, site, ref, args.report);
    const started = await startWorkspace({ ...args, ctx, record, env, placement });
    await runPostCommands({ ctx, env, started, record, report: args.report });
    return finish(ctx, record, { copiedFiles, env, started });
  });
}

async function placeWorktree(
  ctx: ProjectContext,
  site: RemoteSite,
  args: { name: string; branch: string; undo: UndoStack },
): Promise<void> {
  const { host, layout } = site;
  await ensureMirror(host, layout);
  await pushBranch(host, layout, ctx.paths.root, args.branch);
  args.undo.push(() =>
    removeRemoteWorktree(host, layout, args.name, { branch: args.branch, deleteBranch: true }),
  );
  await addRemoteWorktree(host, layout, args.name, args.branch);
}

/** `copy_files` (e.g. `.env`) this checkout has: into the host's worktree. */
async function copyFiles(ctx: ProjectContext, site: RemoteSite, worktree: string): Promise<string[]> {
  const files = ctx.config.copy_files.filter((file) => existsSync(join(ctx.paths.root, file)));
  if (files.length) await copyToHost(site.host, ctx.paths.root, files, worktree);
  return files;
}

/** The workspace's containers, volumes and networks on the host, its tunnels and its SSH alias. */
export async function removeRemoteParts(site: RemoteSite, ref: WorkspaceRef): Promise<void> {
  await onEngine(site.target, async () => removeWorkspaceResources(await loadDocker(), ref));
  await closeTunnels(site.host, `${ref.repoId}/${ref.workspace}`);
  removeHostEntry(hostAlias(ref));
}

/** `destroy` of a remote workspace: refused while the host has work that is not here, unless forced. */
export async function destroyRemote(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  options: { force?: boolean },
): Promise<void> {
  const site = await siteOf(ctx, record);
  const { host, layout } = site;
  if (!options.force) {
    const local = { localRoot: ctx.paths.root, branch: record.branch };
    const state = await remoteWorkState(host, layout, record.name, local);
    if (state.dirty.length || state.unpulled)
      throw new NexusError(
        `Workspace "${record.name}" has work on host ${host.name} that is not here: ${describe(state)}.`,
        {
          category: "conflict",
          hint: `Commit it there and run \`nexus workspace pull ${record.name}\`, or pass --force to discard it.`,
        },
      );
  }
  await removeRemoteParts(site, { repoId: ctx.repoId, workspace: record.name });
  await removeRemoteWorktree(host, layout, record.name, { branch: record.branch, deleteBranch: true });
  // A diverged pull kept the host's commits here for merging: they went with the workspace.
  await gitRaw(["update-ref", "-d", `refs/nexus/pulled/${record.branch}`], ctx.paths.root);
}

function describe(state: { dirty: string[]; unpulled: number }): string {
  const parts = [];
  if (state.dirty.length)
    parts.push(`${state.dirty.length} uncommitted file(s) (${state.dirty.slice(0, 3).join(", ")})`);
  if (state.unpulled) parts.push(`${state.unpulled} commit(s) not pulled`);
  return parts.join(" and ");
}

/** `workspace pull`: the host's commits on nexus/NAME, fast-forwarded into this repository's branch. */
export async function pullWorkspace(ctx: ProjectContext, name: string) {
  const record = remoteRecord(ctx, name);
  // Git over SSH only: no Docker socket forwarded, no package files checked.
  const host = findHost(record.host);
  return pullBranch(host, await layoutOn(ctx, host), ctx.paths.root, record.branch);
}

/** `workspace push`: this repository's commits on nexus/NAME sent to the host (its clean worktree follows). */
export async function pushWorkspace(ctx: ProjectContext, name: string) {
  const record = remoteRecord(ctx, name);
  const host = findHost(record.host);
  return pushBranch(host, await layoutOn(ctx, host), ctx.paths.root, record.branch);
}

function remoteRecord(ctx: ProjectContext, name: string): WorkspaceRecord & { host: string } {
  const record = ctx.store.get(name);
  if (!record.host)
    throw new NexusError(`Workspace "${name}" is on this machine: its worktree is ${record.worktreePath}.`, {
      category: "validation",
      hint: "`pull` and `push` are for workspaces on a remote host (`workspace create --host`); here, commit in the worktree.",
    });
  return record as WorkspaceRecord & { host: string };
}

/**
 * `repair` of a remote workspace: its worktree on the host made again from the mirror's branch (or,
 * when the mirror lost it too, from this repository's); `up` then recreates the containers.
 */
export async function repairRemote(ctx: ProjectContext, record: WorkspaceRecord): Promise<string[]> {
  const site = await siteOf(ctx, record);
  const { host, layout } = site;
  const there = await ssh(host, `test -e ${shq(record.worktreePath)}/.git`);
  if (there.exitCode === 255) throw sshFailure(host, there);
  if (there.exitCode === 0) return [];
  await ensureMirror(host, layout);
  const added = await addRemoteWorktree(host, layout, record.name, record.branch).catch(() => undefined);
  if (!added) {
    await pushBranch(host, layout, ctx.paths.root, record.branch);
    await addRemoteWorktree(host, layout, record.name, record.branch);
  }
  // Running containers still hold a bind mount of the deleted folder: they must be recreated.
  await onEngine(site.target, async () =>
    removeContainers(await loadDocker(), { repoId: ctx.repoId, workspace: record.name }),
  );
  return [`recreated the worktree on host ${host.name} from ${record.branch}`];
}
