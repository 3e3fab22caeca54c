import { join } from "node:path";
import { agentsOf, assertAgentsInContainer } from "../agents/check.js";
import type { AgentCommand } from "../agents/presets.js";
import { rateLimited, runAgent } from "../agents/process.js";
import type { AgentPlace } from "../agents/sandbox.js";
import { style } from "../core/output.js";
import type { Report } from "../core/report.js";
import { record, type TaskContext } from "../tasks/context.js";
import type { Task } from "../tasks/model.js";
import { claimTask, rejectTask, startTask } from "../tasks/operations.js";
import { approveSigned } from "../tasks/review.js";
import { onHost } from "../workspace/on-host.js";
import type { TreeAccess } from "../workspace/tree-access.js";
import { circuitBreaker } from "./breaker.js";
import { worktreeFingerprint } from "./fingerprint.js";
import { iterationGates } from "./gate-run.js";
import type { HostPool } from "./hosts.js";
import { landDone } from "./land.js";
import { buildReviewPrompt } from "./prompt.js";
import { writePrompt, writePromptFile } from "./prompt-file.js";
import { type RunState, type RunStatus, runsDir, saveRun } from "./state.js";
import { agentPlace, taskWorkspace, workspaceTree } from "./workspace.js";

export interface RalphOptions {
  agent: AgentCommand;
  agentName: string;
  maxIterations: number;
  timeoutSeconds: number;
  budgetMinutes?: number;
  template?: string;
  reviewAgent?: AgentCommand;
  signal?: AbortSignal;
  /** Run the agent on the host instead of in the workspace's dev container (it then sees everything). */
  onHost?: boolean;
  /** Where progress goes (`nexus ralph` passes the printer); nothing is shown without one. */
  report?: Report;
  /** `--hosts`: the hosts new task workspaces are placed on. */
  pool?: HostPool;
  /** Land each task on the target when it is done (`nexus land ID`); one sent back goes round again. */
  land?: boolean;
  /** With `land`: push the target to this remote after each landing. */
  push?: string;
}

/** The Ralph loop for one task: agent, gates, feedback, again — until the gates alone say done. */
export async function runTask(tc: TaskContext, taskId: string, options: RalphOptions): Promise<RunState> {
  const claimed = claimTask(tc, { id: taskId, agent: options.agentName });
  const workspace = await taskWorkspace(tc, claimed, { ...options, hosts: options.pool }).catch((error) => {
    if (!options.signal?.aborted) throw error;
  });
  if (!workspace) {
    // Interrupted before its workspace was there (waiting for a host with room): the claim ends.
    const state = newState(claimed, claimed.workspace ?? "", options);
    return finish(tc, state, interrupted(tc, state));
  }
  // A workspace on a remote host: every engine call from here on (the agent, its checks) goes there.
  let reached = false;
  return onHost(tc.project, workspace.name, async () => {
    reached = true;
    const { place, tree } = await checkedPlace(tc, { id: taskId, workspace, options });
    const where = { workspace: workspace.name, worktree: workspace.path, place, tree };
    return loop(tc, { task: claimed, ...where }, options);
  }).catch((error: Error) => {
    // The host did not answer: the claim ends (checkedPlace ends it for its own failures).
    if (!reached) releaseClaim(tc, taskId, { type: "ralph_refused", note: error.message });
    throw error;
  });
}

async function loop(
  tc: TaskContext,
  args: Omit<LoopArgs, "state" | "options"> & { task: Task; workspace: string },
  options: RalphOptions,
): Promise<RunState> {
  const { task, workspace, ...rest } = args;
  const state = newState(task, workspace, options);
  saveRun(tc.paths.nexusDir, state);
  try {
    const end = await iterate(tc, { ...rest, state, options });
    return finish(tc, state, end);
  } catch (error) {
    return finish(tc, state, { status: "error", message: (error as Error).message });
  }
}

function newState(task: Task, workspace: string, options: RalphOptions): RunState {
  return {
    id: `${new Date().toISOString().replace(/[:.]/g, "-")}-${task.id}`,
    task: task.id,
    title: task.title,
    workspace,
    agent: options.agent.name,
    pid: process.pid,
    status: "running",
    message: "",
    startedAt: new Date().toISOString(),
    updatedAt: "",
    iterations: [],
  };
}

function finish(tc: TaskContext, state: RunState, end: { status: RunStatus; message: string }): RunState {
  Object.assign(state, end);
  saveRun(tc.paths.nexusDir, state);
  return state;
}

/**
 * The agent's place, its programs checked there, and how Nexus reads the worktree; a failure releases
 * the claim and stops the run.
 */
async function checkedPlace(
  tc: TaskContext,
  args: { id: string; workspace: { name: string; path: string }; options: RalphOptions },
): Promise<{ place: AgentPlace; tree: TreeAccess }> {
  const { options, workspace } = args;
  try {
    const place = await agentPlace(tc, workspace, options.onHost);
    if (place.kind === "container") {
      await assertAgentsInContainer(agentsOf(options), place, workspace.name);
    }
    return { place, tree: await workspaceTree(tc, workspace.name) };
  } catch (error) {
    releaseClaim(tc, args.id, { type: "ralph_refused", note: (error as Error).message });
    throw error;
  }
}

interface LoopArgs {
  state: RunState;
  worktree: string;
  place: AgentPlace;
  /** The worktree as Nexus reads it (here, or on the workspace's host). */
  tree: TreeAccess;
  options: RalphOptions;
}

async function iterate(tc: TaskContext, args: LoopArgs): Promise<{ status: RunStatus; message: string }> {
  const { state, options } = args;
  const deadline = options.budgetMinutes
    ? Date.now() + options.budgetMinutes * 60_000
    : Number.POSITIVE_INFINITY;
  for (let n = 1; n <= options.maxIterations; n++) {
    if (options.signal?.aborted) return interrupted(tc, state);
    if (Date.now() > deadline)
      return { status: "budget", message: `the ${options.budgetMinutes}-minute budget is spent` };
    const outcome = await runIteration(tc, { ...args, n });
    if (outcome) return outcome;
    const stop = circuitBreaker(state);
    if (stop) return stop;
  }
  return {
    status: "max_iterations",
    message: `not done after ${options.maxIterations} iterations; the failures are in the task's history`,
  };
}

async function runIteration(
  tc: TaskContext,
  args: LoopArgs & { n: number },
): Promise<{ status: RunStatus; message: string } | undefined> {
  const { state, worktree, place, tree, options, n } = args;
  const task = ensureWorking(tc, state.task);
  options.report?.info(
    `${style.bold(`[${task.id}] iteration ${n}`)} ${style.dim(`(${options.agent.name})`)}`,
  );
  const { prompt, promptFile } = writePrompt(tc, { task, worktree, state, place });
  const before = await worktreeFingerprint(tree);
  const log = join(runsDir(tc.paths.nexusDir), state.id, `iteration-${n}.log`);
  const env = agentEnv({ task, state, agentName: options.agentName, n });

  const agent = await runAgent({
    agent: options.agent,
    place,
    prompt,
    promptFile,
    logFile: log,
    timeoutMs: options.timeoutSeconds * 1000,
    env,
    signal: options.signal,
  });
  if (options.signal?.aborted) return interrupted(tc, state);
  if (rateLimited(agent.output))
    return {
      status: "rate_limited",
      message: "the agent reported a usage or rate limit; run `nexus ralph run` again once it resets",
    };
  const changed = (await worktreeFingerprint(tree)) !== before;
  const gates = await iterationGates(tc, { id: task.id, iteration: n, signal: options.signal });
  if (!gates) return interrupted(tc, state);
  const passed = gates.recorded && gates.result.gates.passed;
  state.iterations.push({
    iteration: n,
    agentExitCode: agent.timedOut ? null : agent.exitCode,
    changed,
    passed,
    failures: gates.failures,
    durationMs: agent.durationMs,
    log,
  });
  noteIteration(tc, task.id, state.iterations.at(-1)!);
  saveRun(tc.paths.nexusDir, state);
  if (!gates.recorded || !passed) return undefined;
  const end = await review(tc, { task: gates.result.task, options, worktree, place });
  return end?.status === "done" && options.land ? landDone(tc, { state, end, options }) : end;
}

/** The loop's NEXUS_* variables (runAgent adds NEXUS_PROMPT_FILE as the agent sees it). */
function agentEnv(a: { task: Task; state: RunState; agentName: string; n: number }): Record<string, string> {
  return {
    NEXUS_TASK_ID: a.task.id,
    NEXUS_WORKSPACE: a.state.workspace,
    NEXUS_AGENT: a.agentName,
    NEXUS_ITERATION: String(a.n),
  };
}

function ensureWorking(tc: TaskContext, id: string): Task {
  const task = tc.store.get(id);
  return task.status === "rejected" || task.status === "blocked" ? startTask(tc, id) : task;
}

function noteIteration(tc: TaskContext, id: string, it: RunState["iterations"][number]): void {
  tc.store.write((tx) => {
    const note = `iteration ${it.iteration}: agent exit ${it.agentExitCode ?? "timeout"} in ${it.durationMs} ms, ${it.changed ? "changed files" : "no change"}, gates ${it.passed ? "passed" : "failed"}`;
    tx.put(record(tc, tx.get(id), { type: "ralph_iteration", note }));
  });
}

async function review(
  tc: TaskContext,
  args: { task: Task; options: RalphOptions; worktree: string; place: AgentPlace },
): Promise<{ status: RunStatus; message: string } | undefined> {
  const { task, options } = args;
  if (task.status === "done") return { status: "done", message: "every gate passed" };
  if (!options.reviewAgent)
    return {
      status: "awaiting_review",
      message: `gates passed; approve with \`nexus task approve ${task.id} --by WHO\``,
    };
  const prompt = buildReviewPrompt(task);
  const promptFile = writePromptFile(args.place, args.worktree, "review.md", prompt);
  const log = join(runsDir(tc.paths.nexusDir), `${task.id}-review.log`);
  const result = await runAgent({
    agent: options.reviewAgent,
    place: args.place,
    prompt,
    promptFile,
    logFile: log,
    timeoutMs: options.timeoutSeconds * 1000,
    env: { NEXUS_TASK_ID: task.id },
    signal: options.signal,
  });
  if (result.exitCode === 0) {
    await approveSigned(tc, task.id, `review-agent:${options.reviewAgent.name}`, { agent: true });
    return { status: "done", message: "gates passed and the review agent approved" };
  }
  rejectTask(tc, {
    id: task.id,
    reason: result.output.trim().split("\n").slice(-5).join(" ") || `review agent exited ${result.exitCode}`,
    by: `review-agent:${options.reviewAgent.name}`,
  });
  return undefined;
}

/** The lease ends now, so any agent (or `nexus ralph run ID`) can take the task up again at once. */
function releaseClaim(tc: TaskContext, id: string, event: { type: string; note: string }): void {
  tc.store.write((tx) => {
    const task = tx.get(id);
    const released = { ...task, leaseExpiresAt: new Date(tc.now().getTime() - 1000).toISOString() };
    tx.put({ ...record(tc, released, event), leaseExpiresAt: released.leaseExpiresAt });
  });
}

function interrupted(tc: TaskContext, state: RunState): { status: RunStatus; message: string } {
  releaseClaim(tc, state.task, {
    type: "ralph_interrupted",
    note: "stopped by the user; `nexus ralph run ID` resumes it",
  });
  return {
    status: "interrupted",
    message: `stopped; the task stays ${tc.store.get(state.task).status} and its claim is released: resume with \`nexus ralph run ${state.task}\``,
  };
}
