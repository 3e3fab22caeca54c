import { cpSync, existsSync, lstatSync, mkdirSync, rmdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { NexusError } from "../core/errors.js";
import { git, gitFailure, gitOk, gitRaw } from "../core/git.js";
import { restoreWorktreeLink } from "../core/git-guard.js";
import { linkFree } from "../core/inside.js";
import { withLockAsync } from "../core/lock.js";
import type { ProjectPaths } from "../core/paths.js";
import { emptyTrashInBackground, ensureTrash, moveToTrash } from "./trash.js";

/** The lock's reason also records the template in git, so records can be rebuilt without the database. */
export function lockReason(template: string): string {
  return `nexus workspace template=${template} (containers see only their own worktree)`;
}

export function templateFromLockReason(reason: string): string | undefined {
  return /^nexus workspace template=(\S+)/.exec(reason)?.[1];
}

export interface CreateWorktreeOptions {
  paths: ProjectPaths;
  path: string;
  branch: string;
  from?: string;
  template: string;
}

/** Returns whether the branch was created (false when an existing branch was checked out). */
/** git's worktree bookkeeping is not safe under concurrent `worktree add`/`remove`: one at a time per repository. */
export function worktreeLock(gitCommonDir: string): string {
  return join(gitCommonDir, "nexus-worktree.lock");
}

export async function createWorktree(options: CreateWorktreeOptions): Promise<boolean> {
  return withLockAsync(worktreeLock(options.paths.gitCommonDir), () => addWorktree(options));
}

async function addWorktree(options: CreateWorktreeOptions): Promise<boolean> {
  const { paths, path, branch, from } = options;
  const exists = await branchExists(paths.root, branch);
  if (exists && from) {
    throw new NexusError(`Branch ${branch} already exists, so --from ${from} cannot be applied.`, {
      category: "conflict",
      hint: `Omit --from to reuse the branch, or delete it first: git branch -D ${branch}`,
    });
  }
  mkdirSync(dirname(path), { recursive: true });
  // A locked worktree survives `git worktree prune` run inside a container that cannot see its path.
  const reason = ["--reason", lockReason(options.template)];
  const target = exists ? [path, branch] : ["-b", branch, path, from ?? "HEAD"];
  const args = ["worktree", "add", "--lock", ...reason, ...target];
  const added = await gitRaw(args, paths.root);
  if (added.exitCode === 0) return !exists;
  if (!exists) await requireCommit(paths.root, from ?? "HEAD");
  if (!/unknown option/i.test(added.stderr)) throw gitFailure(args, added);
  // git before 2.36 has no `worktree add --reason`: add, then lock.
  await git(["worktree", "add", ...target], paths.root);
  await git(["worktree", "lock", ...reason, path], paths.root);
  return !exists;
}

async function requireCommit(root: string, ref: string): Promise<void> {
  if (await gitOk(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root)) return;
  const hint =
    ref === "HEAD"
      ? "Make a first commit (`git commit --allow-empty -m init`), then retry."
      : `Check the name with \`git branch -a\`; --from takes a branch, tag or commit.`;
  throw new NexusError(`Cannot start a workspace from "${ref}": no such commit.`, { category: "git", hint });
}

/**
 * Unregisters a worktree and takes its folder off the critical path: a worktree under
 * `.nexus/worktrees` is renamed into `.nexus/trash` and deleted there by a background process, so
 * this returns at once whatever the tree holds. Anywhere else, git removes it as before.
 */
export async function removeWorktree(root: string, path: string): Promise<void> {
  const worktrees = join(root, ".nexus", "worktrees");
  const label = relative(worktrees, path).split(sep)[0];
  const ours = Boolean(label) && !label!.startsWith("..") && !isAbsolute(label!);
  if (ours) ensureTrash(root);
  await withLockAsync(worktreeLock(join(root, ".git")), async () => {
    await gitRaw(["worktree", "unlock", path], root);
    // Renamed as it is: a link in its place (made by a container) moves as a link, never followed.
    const present = lstatSync(path, { throwIfNoEntry: false }) !== undefined;
    const moved = present && ours && moveToTrash(root, path, label!);
    if (!moved && existsSync(path)) {
      // A link the container rewrote would make git refuse to remove the worktree: put it back first.
      restoreWorktreeLink(path);
      await git(["worktree", "remove", "--force", "--force", path], root);
    }
    // The moved worktree's admin entry now names a missing folder: prune drops it.
    await gitRaw(["worktree", "prune"], root);
  });
  // `.nexus/worktrees/NAME/<repo>`: the workspace's own folder goes too once it is empty.
  const holder = dirname(path);
  if (dirname(holder) === worktrees) removeIfEmpty(holder);
  emptyTrashInBackground(root);
}

/** Removes a folder only when it is empty (a workspace's holder left by a failed create). */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (something else lives there) or already gone: left as it is
  }
}

/** The worktree inside a workspace's folder: `NAME/<repo>` (new layout) or `NAME` itself (older). */
export function worktreeIn(dir: string, repoFolder: string): string {
  const nested = join(dir, repoFolder);
  return !existsSync(join(dir, ".git")) && existsSync(join(nested, ".git")) ? nested : dir;
}

export async function branchExists(root: string, branch: string): Promise<boolean> {
  return gitOk(["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], root);
}

export async function deleteBranch(root: string, branch: string): Promise<void> {
  if (await branchExists(root, branch)) await git(["branch", "-D", branch], root);
}

export async function isDirty(path: string): Promise<boolean> {
  const status = await gitRaw(["status", "--porcelain"], path);
  return status.exitCode === 0 && status.stdout.trim().length > 0;
}

/** All `nexus/*` branches in one git call, for listing many workspaces quickly. */
export async function nexusBranches(root: string): Promise<Set<string>> {
  const out = await git(["for-each-ref", "--format=%(refname:short)", "refs/heads/nexus/"], root);
  return new Set(out.split("\n").filter(Boolean));
}

/** Copies gitignored files (e.g. .env) a fresh worktree needs; missing sources are skipped. */
export function copyIgnoredFiles(options: { from: string; to: string; files: string[] }): string[] {
  const copied: string[] = [];
  for (const file of options.files) {
    const source = join(options.from, file);
    if (!existsSync(source)) continue;
    const target = join(options.to, file);
    // The branch may hold a link at that place (to ~/.bashrc): never copy through it.
    if (existsSync(target) || !linkFree(options.to, file)) continue;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target, { recursive: statSync(source).isDirectory() });
    copied.push(file);
  }
  return copied;
}
