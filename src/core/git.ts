import { constants } from "node:os";
import { NexusError } from "./errors.js";
import { guardedGitEnv, SAFE_GIT_CONFIG } from "./git-guard.js";
import { type RunResult, run } from "./process.js";

/** The one place git is invoked; every failure becomes a NexusError that quotes git's own words. */
export async function git(args: string[], cwd: string): Promise<string> {
  const result = await gitRaw(args, cwd);
  if (result.exitCode !== 0) throw gitFailure(args, result);
  return result.stdout.trimEnd();
}

export function gitFailure(args: string[], result: RunResult): NexusError {
  const stopped = result.stderr.startsWith("git was stopped by ");
  return new NexusError(
    `git ${args[0]} failed: ${firstLine(result.stderr) || `exit code ${result.exitCode}`}`,
    {
      category: "git",
      hint: stopped
        ? "It was interrupted (Ctrl-C or a signal); run the command again when you are ready."
        : "Run `nexus doctor` to check the repository, or fix the git error above and retry.",
    },
  );
}

/**
 * Inside a workspace's worktree, git is told where the repository is (never the `.git` file the
 * container can rewrite), and no call runs hooks, fsmonitor or other programs the repository names.
 */
export async function gitRaw(args: string[], cwd: string, timeoutMs?: number): Promise<RunResult> {
  const guarded = guardedGitEnv(cwd);
  const base = Object.keys(guarded).length ? withoutGitLocation(process.env) : process.env;
  const env = { ...base, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", ...guarded };
  try {
    return await run("git", [...SAFE_GIT_CONFIG, ...args], { cwd, env, timeoutMs });
  } catch (error) {
    // Stopped by a signal (Ctrl-C reaches the whole process group): a failed call, not a missing git.
    const signal = (error as { signal?: NodeJS.Signals | null }).signal;
    if (signal)
      return {
        stdout: "",
        stderr: `git was stopped by ${signal}`,
        exitCode: 128 + (constants.signals[signal] ?? 0),
      };
    throw new NexusError("git is not installed or not on PATH.", {
      category: "git",
      hint: "Install git (e.g. `apt-get install git`) and retry.",
      cause: error,
    });
  }
}

/** In a worktree, an inherited GIT_INDEX_FILE (or the like) must not steer the call elsewhere. */
function withoutGitLocation(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  for (const key of ["GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"]) delete rest[key];
  return rest;
}

export async function gitOk(args: string[], cwd: string): Promise<boolean> {
  return (await gitRaw(args, cwd)).exitCode === 0;
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.replace(/^(fatal|error): /, "").trim())
      .find(Boolean) ?? ""
  );
}
