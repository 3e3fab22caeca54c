import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { NexusError } from "./errors.js";
import { gitRaw } from "./git.js";
import { mainRepositoryOf } from "./git-guard.js";

export interface ProjectPaths {
  root: string;
  gitCommonDir: string;
  nexusDir: string;
  configFile: string;
  dbFile: string;
  templatesDir: string;
  worktreesDir: string;
}

export function projectPaths(root: string, gitCommonDir: string): ProjectPaths {
  const nexusDir = join(root, ".nexus");
  return {
    root,
    gitCommonDir,
    nexusDir,
    configFile: join(nexusDir, "config.yaml"),
    dbFile: join(nexusDir, "nexus.db"),
    templatesDir: join(nexusDir, "templates"),
    worktreesDir: join(nexusDir, "worktrees"),
  };
}

/**
 * Finds the main repository even when called from inside a workspace's worktree:
 * the common git dir is shared by all worktrees, and its parent is the main checkout.
 */
export async function findRepository(cwd: string = process.cwd()): Promise<ProjectPaths> {
  const fast = discoverWithoutGit(cwd);
  if (fast) return projectPaths(dirname(fast), fast);
  const result = await gitRaw(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd);
  if (result.exitCode !== 0) {
    throw new NexusError(`Not inside a git repository: ${cwd}`, {
      category: "validation",
      hint: "Run Nexus inside a git repository (`git init` creates one).",
    });
  }
  const commonDir = realpathSync(result.stdout.trim());
  const root = commonDir.endsWith(`${sep}.git`) ? dirname(commonDir) : await worktreeTop(cwd);
  return projectPaths(root, commonDir);
}

/**
 * Finds the common git dir by reading .git (a folder, or a worktree's "gitdir:" file) upwards
 * from cwd: no git process on the hot path. Anything unusual falls back to asking git.
 */
function discoverWithoutGit(cwd: string): string | undefined {
  if (process.env.GIT_DIR || process.env.GIT_COMMON_DIR) return undefined;
  // Inside a workspace, the worktree's .git file is the container's to write: the main checkout decides.
  const main = mainRepositoryOf(cwd);
  if (main) return main.commonDir.endsWith(`${sep}.git`) ? main.commonDir : undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return existsSync(join(dotGit, "HEAD")) ? realpathSync(dotGit) : undefined;
    if (stat?.isFile()) return commonDirOfWorktree(dir, readFileSync(dotGit, "utf8"));
    if (dirname(dir) === dir) return undefined;
  }
}

function commonDirOfWorktree(dir: string, dotGitFile: string): string | undefined {
  const gitDir = /^gitdir: (.+)$/m.exec(dotGitFile)?.[1]?.trim();
  if (!gitDir) return undefined;
  const absolute = resolve(dir, gitDir);
  const commonFile = join(absolute, "commondir");
  const common = existsSync(commonFile)
    ? resolve(absolute, readFileSync(commonFile, "utf8").trim())
    : absolute;
  if (!existsSync(common) || !common.endsWith(`${sep}.git`)) return undefined;
  return realpathSync(common);
}

async function worktreeTop(cwd: string): Promise<string> {
  const result = await gitRaw(["rev-parse", "--show-toplevel"], cwd);
  if (result.exitCode !== 0) {
    throw new NexusError("This git repository has no work tree (bare repository).", {
      category: "validation",
      hint: "Run Nexus in a normal clone with a checked-out work tree.",
    });
  }
  return realpathSync(result.stdout.trim());
}

/** Requires `nexus init` to have run: every command but init works on an initialised project. */
export async function findProject(cwd: string = process.cwd()): Promise<ProjectPaths> {
  const paths = await findRepository(cwd);
  if (!existsSync(paths.nexusDir)) {
    throw new NexusError(`Nexus is not initialised in ${paths.root}`, {
      category: "config",
      hint: "Run `nexus init` in the repository first.",
    });
  }
  return paths;
}

/** The workspace whose worktree contains `cwd`, if any. */
export function workspaceFromCwd(paths: ProjectPaths, cwd: string = process.cwd()): string | undefined {
  const rel = relative(paths.worktreesDir, realpathSync(resolve(cwd)));
  if (!rel || rel.startsWith("..") || rel.startsWith(sep)) return undefined;
  return rel.split(sep)[0];
}

/** Per-user state: telemetry, SSH keys. NEXUS_HOME overrides it (tests, several identities). */
/** NEXUS_HOME (made absolute), else ~/.nexus; an empty NEXUS_HOME is unset, never the current folder. */
export function nexusHome(): string {
  const set = process.env.NEXUS_HOME;
  return set ? resolve(set) : join(homedir(), ".nexus");
}

/** The installed package's root, where templates/ and runtime/ live (works from src/ and dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new NexusError("Cannot locate the Nexus installation (package.json missing).");
    dir = parent;
  }
  return dir;
}

export function builtinTemplatesDir(): string {
  return join(packageRoot(), "templates");
}
