import { NexusError } from "./errors.js";
import { type RunResult, run } from "./process.js";

/** The one place git is invoked; every failure becomes a NexusError that quotes git's own words. */
export async function git(args: string[], cwd: string): Promise<string> {
  const result = await gitRaw(args, cwd);
  if (result.exitCode !== 0) throw gitFailure(args, result);
  return result.stdout.trimEnd();
}

export function gitFailure(args: string[], result: RunResult): NexusError {
  return new NexusError(
    `git ${args[0]} failed: ${firstLine(result.stderr) || `exit code ${result.exitCode}`}`,
    {
      category: "git",
      hint: "Run `nexus doctor` to check the repository, or fix the git error above and retry.",
    },
  );
}

export async function gitRaw(args: string[], cwd: string): Promise<RunResult> {
  try {
    return await run("git", args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } });
  } catch (error) {
    throw new NexusError("git is not installed or not on PATH.", {
      category: "git",
      hint: "Install git (e.g. `apt-get install git`) and retry.",
      cause: error,
    });
  }
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
