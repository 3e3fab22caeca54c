import { gitRaw } from "../../core/git.js";
import type { TaskContext } from "../context.js";

const PUSH_TIMEOUT_MS = 120_000;

/**
 * Pushes a landing: the target to the same branch on the remote (fast-forward only: a remote that
 * has commits the target lacks refuses it), or a rebased branch for review (`force`: that branch is
 * Nexus's own). True, or git's reason; a failed push never undoes the landing.
 */
export async function pushLanding(
  tc: TaskContext,
  push: { remote: string; ref: string; from: string; force?: boolean },
): Promise<true | string> {
  const refspec = `${push.force ? "+" : ""}${push.from}:refs/heads/${push.ref}`;
  // `--`: a remote given over MCP (`--receive-pack=…`) is a name, never an option that runs a command.
  const args = ["push", "--porcelain", "--", push.remote, refspec];
  const result = await gitRaw(args, tc.paths.root, PUSH_TIMEOUT_MS);
  if (result.exitCode === 0) return true;
  if (result.timedOut) return `no answer from ${push.remote} within ${PUSH_TIMEOUT_MS / 1000} s`;
  const line = `${result.stderr}\n${result.stdout}`.split("\n").find((l) => /rejected|error|fatal/.test(l));
  return (line ?? `git push exited ${result.exitCode}`).replace(/^(error|fatal): /, "").trim();
}
