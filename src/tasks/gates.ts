import { existsSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import type { Captured } from "../workspace/access.js";
import { localTree, type TreeAccess } from "../workspace/tree-access.js";
import type { TaskContext } from "./context.js";
import { effectiveChecks } from "./integrity.js";
import type { CheckResult, Task } from "./model.js";

const TAIL_LINES = 40;
const TAIL_CHARS = 4000;

export interface GateRun {
  /** The commit checked, with `+dirty` when the tree had changes besides Nexus's own task file. */
  commit: string;
  where: string;
  /** Exactly the commands that ran: the task's checks, else the project's gates. */
  checks: string[];
  results: CheckResult[];
  passed: boolean;
}

/** How a gate run reports progress and ends early; the command renders, the capability never prints. */
export interface GateOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onCheck?: (event: { command: string; where: string; result?: CheckResult }) => void;
}

/** The task's own checks, else the project's default gates; never nothing. */
export function checksFor(tc: TaskContext, task: Task): string[] {
  const checks = effectiveChecks(task, tc.config.gates);
  if (checks.length) return checks;
  throw new NexusError(`Task ${task.id} has no checks and the project has no default gates.`, {
    category: "validation",
    hint: 'Add one: nexus task update ID --check "npm test", or set `gates` in .nexus/config.yaml.',
  });
}

type Exec = (command: string, options: GateOptions) => Promise<Captured>;

interface Runner {
  where: string;
  /** Nexus's own view of the tree the checks run on: its commit and changes, for the evidence. */
  tree: TreeAccess;
  exec: Exec;
}

/** What will run and where; refuses (no checks, no such workspace) before anything is recorded. */
export interface GatePlan {
  checks: string[];
  /** The checks are the project's gates (the task has none of its own). */
  projectGates: boolean;
  runner: Runner;
}

export async function planGates(tc: TaskContext, task: Task): Promise<GatePlan> {
  return {
    checks: checksFor(tc, task),
    projectGates: !task.checks.length,
    runner: await runnerFor(tc, task),
  };
}

/**
 * Runs every check (all of them, so the feedback is complete), each ended at the timeout. A check
 * that times out or is interrupted ends the run with an error and records nothing.
 */
export async function runGates(tc: TaskContext, plan: GatePlan, options: GateOptions = {}): Promise<GateRun> {
  const { checks, runner } = plan;
  const timeoutMs = options.timeoutMs ?? tc.config.tasks.gate_timeout * 1000;
  const commit = await commitOf(runner.tree);
  const results: CheckResult[] = [];
  for (const command of checks) {
    options.onCheck?.({ command, where: runner.where });
    const started = performance.now();
    const { exitCode: code, output, timedOut } = await runner.exec(command, { ...options, timeoutMs });
    if (options.signal?.aborted) throw interruptedError(command);
    if (timedOut) throw timeoutError(command, timeoutMs, tail(output));
    const result = {
      command,
      exitCode: code,
      durationMs: Math.round(performance.now() - started),
      outputTail: tail(output),
    };
    results.push(result);
    options.onCheck?.({ command, where: runner.where, result });
  }
  return { commit, where: runner.where, checks, results, passed: results.every((r) => r.exitCode === 0) };
}

function timeoutError(command: string, timeoutMs: number, output: string): NexusError {
  return new NexusError(
    `Check \`${command}\` did not finish within ${timeoutMs / 1000} s and was stopped; the task is unchanged.${output ? `\nIts last output:\n${output}` : ""}`,
    {
      category: "timeout",
      hint: "Make the check end sooner, or give it longer: --timeout SECONDS, or `tasks: { gate_timeout: SECONDS }` in .nexus/config.yaml.",
    },
  );
}

function interruptedError(command: string): NexusError {
  return new NexusError(`Interrupted while \`${command}\` ran; it was stopped and the task is unchanged.`, {
    category: "interrupted",
    hint: "Run `nexus task complete ID` again when you are ready.",
  });
}

async function runnerFor(tc: TaskContext, task: Task): Promise<Runner> {
  if (!task.workspace) return hostRunner("repository", tc.paths.root);
  const workspace = task.workspace;
  const { captureInWorkspace } = await import("../workspace/access.js");
  const ctx = tc.project;
  const record = ctx.store.get(workspace);
  if (record.host) {
    const { remoteTree } = await import("../workspace/remote/tree.js");
    const tree = await remoteTree(ctx, record, tc.paths.root);
    const exec: Exec = (command, options) => captureInWorkspace(ctx, workspace, command, options);
    return { where: `workspace ${workspace} on host ${record.host}`, tree, exec };
  }
  if (!existsSync(record.worktreePath)) {
    throw new NexusError(`Workspace ${workspace} has no worktree.`, {
      category: "git",
      hint: `Run \`nexus workspace repair ${workspace}\`.`,
    });
  }
  // The same path as `workspace exec`: the dev container when there is one, else the worktree.
  return {
    where: `workspace ${workspace}`,
    tree: localTree(record.worktreePath),
    exec: (command, options) => captureInWorkspace(ctx, workspace, command, options),
  };
}

function hostRunner(where: string, dir: string): Runner {
  return {
    where,
    tree: localTree(dir),
    exec: async (command, options) => {
      const { captureOn } = await import("../workspace/access.js");
      return captureOn({ kind: "host", cwd: dir, env: process.env }, command, options);
    },
  };
}

/** Nexus's own files change on every command: they never make the checked tree dirty. */
export const OWN_FILES = [":(exclude).nexus/tasks.jsonl", ":(exclude).nexus/allowed_signers"];

async function commitOf(tree: TreeAccess): Promise<string> {
  const head = await tree.git(["rev-parse", "HEAD"]);
  if (head.exitCode !== 0) return "unknown";
  const dirty = await tree.git(["status", "--porcelain", "--", ".", ...OWN_FILES]);
  return `${head.stdout.trim()}${dirty.stdout.trim() ? "+dirty" : ""}`;
}

function tail(output: string): string {
  const lines = output.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? lines.slice(-TAIL_CHARS) : lines;
}
