import { existsSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { gitRaw } from "../core/git.js";
import { info, style } from "../core/output.js";
import { run } from "../core/process.js";
import type { TaskContext } from "./context.js";
import type { CheckResult, Task } from "./model.js";

const TAIL_LINES = 40;
const TAIL_CHARS = 4000;

export interface GateRun {
  commit: string;
  where: string;
  results: CheckResult[];
  passed: boolean;
}

/** The task's own checks, else the project's default gates; never nothing. */
export function checksFor(tc: TaskContext, task: Task): string[] {
  const checks = task.checks.length ? task.checks : tc.config.gates;
  if (checks.length) return checks;
  throw new NexusError(`Task ${task.id} has no checks and the project has no default gates.`, {
    category: "validation",
    exitCode: 2,
    hint: 'Add one: nexus task update ID --check "npm test", or set `gates` in .nexus/config.yaml.',
  });
}

type Runner = {
  where: string;
  dir: string;
  exec: (command: string) => Promise<{ code: number; output: string }>;
};

/** What will run and where; refuses (no checks, no such workspace) before anything is recorded. */
export interface GatePlan {
  checks: string[];
  runner: Runner;
}

export async function planGates(tc: TaskContext, task: Task): Promise<GatePlan> {
  return { checks: checksFor(tc, task), runner: await runnerFor(tc, task) };
}

/** Runs every check (all of them, so the feedback is complete) and records what it checked. */
export async function runGates(tc: TaskContext, task: Task, plan?: GatePlan): Promise<GateRun> {
  const { checks, runner } = plan ?? (await planGates(tc, task));
  const commit = await commitOf(runner.dir);
  const results: CheckResult[] = [];
  for (const command of checks) {
    info(`${style.dim("gate")} ${command} ${style.dim(`(${runner.where})`)}`);
    const started = performance.now();
    const { code, output } = await runner.exec(command);
    results.push({
      command,
      exitCode: code,
      durationMs: Math.round(performance.now() - started),
      outputTail: tail(output),
    });
    info(`  ${code === 0 ? style.ok("pass") : style.error(`fail (exit ${code})`)}`);
  }
  return { commit, where: runner.where, results, passed: results.every((r) => r.exitCode === 0) };
}

async function runnerFor(tc: TaskContext, task: Task): Promise<Runner> {
  if (!task.workspace) return hostRunner("repository", tc.paths.root);
  const workspace = task.workspace;
  const { openProject } = await import("../workspace/context.js");
  const { captureInWorkspace } = await import("../workspace/access.js");
  const ctx = await openProject(tc.paths.root);
  const record = ctx.store.get(workspace);
  if (!existsSync(record.worktreePath)) {
    throw new NexusError(`Workspace ${workspace} has no worktree.`, {
      category: "git",
      hint: `Run \`nexus workspace repair ${workspace}\`.`,
    });
  }
  // The same path as `workspace exec`: the dev container when there is one, else the worktree.
  return {
    where: `workspace ${workspace}`,
    dir: record.worktreePath,
    exec: async (command) => {
      const result = await captureInWorkspace(ctx, workspace, command);
      return { code: result.exitCode, output: result.output };
    },
  };
}

function hostRunner(where: string, dir: string): Runner {
  return {
    where,
    dir,
    exec: async (command) => {
      // exec 2>&1 first: the whole command line (pipes, ||) interleaves its output as a terminal would.
      const result = await run("/bin/sh", ["-c", `exec 2>&1\n${command}`], { cwd: dir });
      return { code: result.exitCode, output: result.stdout + result.stderr };
    },
  };
}

async function commitOf(dir: string): Promise<string> {
  const head = await gitRaw(["rev-parse", "HEAD"], dir);
  if (head.exitCode !== 0) return "unknown";
  const dirty = await gitRaw(["status", "--porcelain"], dir);
  return `${head.stdout.trim()}${dirty.stdout.trim() ? "+dirty" : ""}`;
}

export function tail(output: string): string {
  const lines = output.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? lines.slice(-TAIL_CHARS) : lines;
}
