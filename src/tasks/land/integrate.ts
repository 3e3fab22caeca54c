import { existsSync } from "node:fs";
import { NexusError } from "../../core/errors.js";
import { git, gitFailure, gitOk, gitRaw } from "../../core/git.js";
import type { Report } from "../../core/report.js";
import { branchName } from "../../workspace/names.js";
import type { TaskContext } from "../context.js";
import type { GateOptions } from "../gates.js";
import type { CheckResult } from "../model.js";

/** The integration workspace every landing is rebased and checked in: its own worktree and containers. */
export const INTEGRATION = "nexus-land";

const HUNKS_CHARS = 6000;
const TAIL_CHARS = 4000;

/**
 * The integration workspace, made from the target the first time and started when it is not
 * running; kept between landings (its containers, dependencies and caches stay warm).
 */
export async function integrationWorkspace(
  tc: TaskContext,
  target: string,
  report?: Report,
): Promise<string> {
  const ctx = tc.project;
  const { createWorkspace, destroyWorkspace, upWorkspace } = await import("../../workspace/manager.js");
  let existing = ctx.store.find(INTEGRATION);
  if (existing && !existing.host && !existsSync(existing.worktreePath)) {
    // Its worktree was deleted by hand: nothing of anyone's is in it, so it is made again.
    await destroyWorkspace(ctx, INTEGRATION, { force: true });
    existing = undefined;
  }
  if (!existing) {
    const template = tc.config.land.template;
    // A destroyed integration workspace leaves its branch: it starts from the target again (nothing
    // lands on it; every landing checks out detached).
    const branch = `refs/heads/${branchName(INTEGRATION)}`;
    const stale = await gitOk(["rev-parse", "--verify", "-q", branch], tc.paths.root);
    if (stale) await git(["update-ref", branch, `refs/heads/${target}`], tc.paths.root);
    const from = stale ? undefined : target;
    const made = await createWorkspace(ctx, { name: INTEGRATION, from, template, report });
    return made.workspace.worktreePath;
  }
  if (existing.host)
    throw new NexusError(
      `Workspace ${INTEGRATION} is on host ${existing.host}; landings are integrated here.`,
      {
        category: "conflict",
        hint: `\`nexus workspace destroy ${INTEGRATION}\`: the next \`nexus land\` makes it again on this machine.`,
      },
    );
  const { devTarget } = await import("../../workspace/access.js");
  const running = await devTarget(ctx, INTEGRATION).then(
    () => true,
    () => false,
  );
  if (!running) await upWorkspace(ctx, INTEGRATION, { report });
  await refuseSomeonesChanges(existing.worktreePath);
  return existing.worktreePath;
}

/**
 * A workspace of that name someone works in (on its branch, with uncommitted changes: a landing
 * leaves it detached) is theirs: landings clean the tree, so they refuse instead of wiping that work.
 */
async function refuseSomeonesChanges(dir: string): Promise<void> {
  if ((await gitRaw(["symbolic-ref", "-q", "HEAD"], dir)).exitCode !== 0) return;
  if (!(await git(["status", "--porcelain"], dir))) return;
  throw new NexusError(
    `Workspace ${INTEGRATION} has uncommitted changes; landings rebase and clean it, which would lose them.`,
    {
      category: "conflict",
      hint: `Commit or move that work: \`nexus land\` uses workspace ${INTEGRATION} as its own integration workspace.`,
    },
  );
}

export type Rebased = { ok: true; head: string } | { ok: false; files: string[]; hunks: string };

/**
 * Replays `commit`'s work onto `onto` in the integration worktree (detached: no branch of anyone's
 * moves). A conflict is aborted again and returned with the conflicting files and their hunks.
 */
export async function rebaseOnto(dir: string, commit: string, onto: string): Promise<Rebased> {
  await cleanTree(dir);
  await git(["checkout", "-q", "--detach", commit], dir);
  const identity = await committerIdentity(dir);
  const args = [...identity, "-c", "core.editor=true", "rebase", "-q", "--no-autostash", onto];
  const result = await gitRaw(args, dir);
  if (result.exitCode === 0) return { ok: true, head: await git(["rev-parse", "HEAD"], dir) };
  const conflicted = await gitRaw(["diff", "--name-only", "--diff-filter=U"], dir);
  const files = conflicted.stdout.split("\n").filter(Boolean);
  const hunks = (await gitRaw(["diff", "--no-color", "--", ...files], dir)).stdout;
  await gitRaw(["rebase", "--abort"], dir);
  if (!files.length) throw gitFailure(["rebase"], result);
  return {
    ok: false,
    files,
    hunks: hunks.length > HUNKS_CHARS ? `${hunks.slice(0, HUNKS_CHARS)}\n…` : hunks,
  };
}

/** Whatever an earlier landing left (a rebase stopped by a kill, files a check wrote) goes. */
async function cleanTree(dir: string): Promise<void> {
  await gitRaw(["rebase", "--abort"], dir);
  await git(["reset", "-q", "--hard"], dir);
  // Not -x: ignored files (dependencies, build caches) keep the workspace warm.
  await git(["clean", "-q", "-fd"], dir);
}

/** The user's git identity commits the rebased work; without one, Nexus's (rebase needs a committer). */
async function committerIdentity(dir: string): Promise<string[]> {
  const ident = await gitRaw(["var", "GIT_COMMITTER_IDENT"], dir);
  if (ident.exitCode === 0) return [];
  return ["-c", "user.name=Nexus land", "-c", "user.email=land@nexus.invalid"];
}

/** Files a task's branch may not change: Nexus writes them in the main checkout, and they decide trust. */
const OWN_PATHS = [".nexus/tasks.jsonl", ".nexus/allowed_signers"];

export async function ownFilesChanged(dir: string, from: string, to: string): Promise<string[]> {
  // Every commit, not the net change (one adding a key and a later one removing it still land both);
  // icase: on a case-insensitive file system (macOS), `.NEXUS/allowed_signers` is the same file.
  const paths = OWN_PATHS.map((p) => `:(icase)${p}`);
  const args = ["log", "--format=", "--name-only", "--no-renames", `${from}..${to}`, "--", ...paths];
  return [...new Set((await git(args, dir)).split("\n").filter(Boolean))];
}

/**
 * The task's own checks and then the project's gates, each once, run in the integration workspace
 * (its dev container when it has one) on the rebased tree. All run, so the feedback is complete.
 */
export async function runLandingChecks(
  tc: TaskContext,
  checks: string[],
  options: GateOptions & { timeoutMs: number },
): Promise<CheckResult[]> {
  const { captureInWorkspace } = await import("../../workspace/access.js");
  const results: CheckResult[] = [];
  for (const command of checks) {
    options.onCheck?.({ command, where: `workspace ${INTEGRATION}` });
    const started = performance.now();
    const run = await captureInWorkspace(tc.project, INTEGRATION, command, options);
    if (options.signal?.aborted) throw interrupted(command);
    const output = run.output.trimEnd();
    const result = {
      command,
      exitCode: run.timedOut ? 124 : run.exitCode,
      durationMs: Math.round(performance.now() - started),
      outputTail: run.timedOut
        ? `timed out after ${options.timeoutMs / 1000} s\n${output.slice(-TAIL_CHARS)}`
        : output.slice(-TAIL_CHARS),
    };
    results.push(result);
    options.onCheck?.({ command, where: `workspace ${INTEGRATION}`, result });
  }
  return results;
}

function interrupted(command: string): NexusError {
  return new NexusError(`Interrupted while \`${command}\` ran; the target was not moved.`, {
    category: "interrupted",
    hint: "Run `nexus land` again to land what is left.",
  });
}
