import { relative } from "node:path";
import { gitRaw } from "../core/git.js";
import type { ProjectPaths } from "../core/paths.js";
import { splitConflict } from "./merge.js";

export interface MergeBase {
  text: string;
  /** Where it came from, for the report: git's index, a merge-base commit, or diff3 sections. */
  source: string;
}

/**
 * The common ancestor of a tasks.jsonl that git left with conflict markers, so `task sync` merges
 * exactly as the merge driver would have: git's index stage 1 while the merge (or rebase,
 * cherry-pick) is unresolved; else the merge base of MERGE_HEAD, or of a merge commit that was
 * committed with the markers; else the base sections of a diff3-style conflict. Undefined when
 * there is none: then both sides merge without a base, and the newer copy wins differing fields.
 */
export async function conflictBase(
  paths: ProjectPaths,
  file: string,
  text: string,
): Promise<MergeBase | undefined> {
  const path = `./${relative(paths.root, file)}`;
  const git = async (...args: string[]) => {
    const result = await gitRaw(args, paths.root);
    return result.exitCode === 0 ? result.stdout : undefined;
  };
  const staged = await git("show", `:1:${path}`);
  if (staged !== undefined) return { text: staged, source: "git index (stage 1)" };
  const merging = await git("rev-parse", "-q", "--verify", "MERGE_HEAD");
  const committed = !merging && (await committedConflict(git, path));
  const sides = merging ? ["HEAD", "MERGE_HEAD"] : committed ? ["HEAD^1", "HEAD^2"] : undefined;
  const base = sides && (await git("merge-base", ...sides))?.trim();
  // The file may not have existed at the base: then the base has no tasks.
  if (base)
    return { text: (await git("show", `${base}:${path}`)) ?? "", source: `merge base ${base.slice(0, 12)}` };
  const diff3 = splitConflict(text);
  return diff3.hasBase ? { text: diff3.base, source: "diff3 base sections" } : undefined;
}

/** HEAD is a merge commit whose tasks.jsonl has the markers: the conflict was committed as is. */
async function committedConflict(
  git: (...args: string[]) => Promise<string | undefined>,
  path: string,
): Promise<boolean> {
  if ((await git("rev-parse", "-q", "--verify", "HEAD^2")) === undefined) return false;
  return /^<{7}/m.test((await git("show", `HEAD:${path}`)) ?? "");
}
