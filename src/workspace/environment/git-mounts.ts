import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { adminDirOf } from "../../core/git-guard.js";

/**
 * What a dev container may write inside the git common dir to commit, branch and keep reflogs:
 * the object store, refs, reflogs and this worktree's own admin folder (its HEAD and index).
 * Everything else there (config, hooks, info/, packed-refs, other worktrees' folders) stays
 * read-only, so nothing the container writes makes the host's git run a program.
 */
export function writableGitDirs(gitCommonDir: string, worktree: string): string[] {
  const shared = ["objects", "refs", "logs"].map((dir) => join(gitCommonDir, dir));
  for (const dir of shared) mkdirSync(dir, { recursive: true });
  return [...shared, adminDirOf(gitCommonDir, worktree)];
}
