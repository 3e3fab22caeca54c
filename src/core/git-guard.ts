import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { writeAtomic } from "./atomic.js";
import { NexusError } from "./errors.js";

/**
 * Settings that would make the host's git run a program named by the repository. A workspace's
 * container cannot write the repository's config or hooks (they are mounted read-only), but these
 * are forced off on every host call all the same: Nexus's own git never runs repository code.
 */
export const SAFE_GIT_CONFIG = [
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.pager=cat",
];

const WORKTREES = `${sep}.nexus${sep}worktrees${sep}`;

/** A linked worktree as the main repository records it: its admin folder, the common dir, its top. */
interface WorktreeLink {
  top: string;
  adminDir: string;
  commonDir: string;
}

/**
 * For a directory inside a workspace's worktree (`.nexus/worktrees/...`), where git must look, taken
 * from the main repository and never from the worktree's `.git` file or its admin folder's
 * `commondir`: the container can write both. Tampering is refused with a repair hint.
 */
export function guardedGitEnv(cwd: string): Record<string, string> {
  const link = worktreeLinkOf(cwd);
  if (!link) return {};
  const tampered = tamperedLink(link);
  if (tampered) throw tamperError(link.top, tampered);
  return { GIT_DIR: link.adminDir, GIT_COMMON_DIR: link.commonDir, GIT_WORK_TREE: link.top };
}

/**
 * The worktree containing `cwd` and the admin folder that belongs to it: the one its `.git` names
 * when that folder also names it back, else the only folder naming it. Undefined outside worktrees.
 */
function worktreeLinkOf(cwd: string): WorktreeLink | undefined {
  const repo = mainRepositoryOf(cwd);
  if (!repo) return undefined;
  const { commonDir, worktreesDir, at } = repo;
  const top = nearestDotGit(at, worktreesDir);
  if (!top) {
    const orphan = adminDirsClaiming(commonDir).find((c) => isWithin(at, c.top) && existsSync(c.top));
    if (orphan) throw tamperError(orphan.top, "its .git file is gone");
    return undefined;
  }
  const claims = adminDirsClaiming(commonDir)
    .filter((c) => c.top === top)
    .map((c) => c.adminDir);
  const pointed = pointedAdminDir(commonDir, top);
  const adminDir =
    pointed && (claims.includes(pointed) || !claims.length)
      ? pointed
      : claims.length === 1
        ? claims[0]
        : undefined;
  if (!adminDir) throw tamperError(top, "no git admin folder belongs to it");
  return { top, adminDir, commonDir };
}

/** For a path inside `<root>/.nexus/worktrees/`, the main repository's common dir (trusted). */
export function mainRepositoryOf(
  cwd: string,
): { root: string; commonDir: string; worktreesDir: string; at: string } | undefined {
  const at = realOrResolved(cwd);
  const mark = at.indexOf(WORKTREES);
  if (mark < 0) return undefined;
  const root = at.slice(0, mark);
  const commonDir = mainCommonDir(root);
  return commonDir ? { root, commonDir, worktreesDir: join(root, ".nexus", "worktrees"), at } : undefined;
}

/** The admin folder of the worktree at `top` (inside `<common>/worktrees`); a changed link is refused. */
export function adminDirOf(commonDir: string, top: string): string {
  const link = worktreeLinkOf(top);
  if (!link || link.commonDir !== commonDir) throw tamperError(top, "git does not know it as a worktree");
  const tampered = tamperedLink(link);
  if (tampered) throw tamperError(link.top, tampered);
  return link.adminDir;
}

/** What was changed in the worktree's link to the repository, if anything. */
function tamperedLink(link: WorktreeLink): string | undefined {
  const dotGit = join(link.top, ".git");
  const stat = statSync(dotGit, { throwIfNoEntry: false });
  if (!stat?.isFile()) return "its .git is not the file git wrote";
  const named = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, "utf8"))?.[1]?.trim();
  if (!named || resolve(link.top, named) !== link.adminDir) return "its .git file points elsewhere";
  const common = readText(join(link.adminDir, "commondir"));
  if (common === undefined || resolve(link.adminDir, common) !== link.commonDir)
    return "its admin folder's commondir points elsewhere";
  if (readText(join(link.adminDir, "gitdir")) !== dotGit) return "its admin folder's gitdir points elsewhere";
  if (existsSync(join(link.adminDir, "config.worktree")))
    return "a config.worktree appeared in its admin folder";
  return undefined;
}

function tamperError(top: string, what: string): NexusError {
  const name = workspaceNameOf(top);
  return new NexusError(`The worktree ${top} has a changed git link (${what}); Nexus will not follow it.`, {
    category: "git",
    hint: `Something inside the workspace rewrote git's bookkeeping. Run \`nexus workspace repair ${name}\` to restore it.`,
  });
}

function workspaceNameOf(top: string): string {
  const mark = top.indexOf(WORKTREES);
  return mark < 0 ? "NAME" : (top.slice(mark + WORKTREES.length).split(sep)[0] ?? "NAME");
}

/** The main checkout's git dir: not reachable from any container, so it is trusted. */
function mainCommonDir(root: string): string | undefined {
  const dotGit = join(root, ".git");
  const stat = statSync(dotGit, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return realpathSync(dotGit);
  if (!stat?.isFile()) return undefined;
  const gitDir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, "utf8"))?.[1]?.trim();
  if (!gitDir) return undefined;
  const absolute = resolve(root, gitDir);
  const common = readText(join(absolute, "commondir"));
  return realOrResolved(common ? resolve(absolute, common) : absolute);
}

function nearestDotGit(from: string, stop: string): string | undefined {
  for (let dir = from; isWithin(dir, stop) && dir !== stop; dir = dirname(dir))
    if (existsSync(join(dir, ".git"))) return dir;
  return undefined;
}

function adminDirsClaiming(commonDir: string): { adminDir: string; top: string }[] {
  const base = join(commonDir, "worktrees");
  const ids = existsSync(base) ? readdirSync(base) : [];
  const claims: { adminDir: string; top: string }[] = [];
  for (const id of ids) {
    const gitdir = readText(join(base, id, "gitdir"));
    if (gitdir) claims.push({ adminDir: join(base, id), top: dirname(resolve(base, id, gitdir)) });
  }
  return claims;
}

/** The admin folder the worktree's `.git` file names, when it is one inside `<common>/worktrees`. */
function pointedAdminDir(commonDir: string, top: string): string | undefined {
  const named = /^gitdir: (.+)$/m.exec(readText(join(top, ".git")) ?? "")?.[1]?.trim();
  const adminDir = named ? resolve(top, named) : "";
  return dirname(adminDir) === join(commonDir, "worktrees") && existsSync(adminDir) ? adminDir : undefined;
}

function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir + sep);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** What is wrong with the worktree's link to the repository, for `list`'s drift column; undefined if fine. */
export function worktreeLinkProblem(top: string): string | undefined {
  try {
    const link = worktreeLinkOf(top);
    return link && tamperedLink(link) ? "git link changed" : undefined;
  } catch {
    return "git link changed";
  }
}

/**
 * Puts back what `git worktree add` wrote (the `.git` file, the admin folder's `gitdir` and
 * `commondir`) and removes a `config.worktree`. Returns what it changed.
 */
export function restoreWorktreeLink(top: string): string[] {
  const link = worktreeLinkOf(top);
  if (!link || !tamperedLink(link)) return [];
  const dotGit = join(link.top, ".git");
  if (statSync(dotGit, { throwIfNoEntry: false })?.isDirectory())
    rmSync(dotGit, { recursive: true, force: true });
  writeAtomic(dotGit, `gitdir: ${link.adminDir}\n`);
  writeAtomic(join(link.adminDir, "gitdir"), `${dotGit}\n`);
  writeAtomic(join(link.adminDir, "commondir"), `${relative(link.adminDir, link.commonDir)}\n`);
  rmSync(join(link.adminDir, "config.worktree"), { force: true });
  return [`restored the git link of ${link.top}`];
}
