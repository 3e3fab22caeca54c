import type { Command } from "commander";
import { ExitStatus, UsageError } from "../core/errors.js";
import { nonEmpty, positiveInt, positiveNumber, seconds } from "../core/options.js";
import { info, oneLine, printer, printJson, printTable, style, success, warn } from "../core/output.js";
import { jsonOption, tasks, withInterrupt } from "./common.js";

interface RunOptions {
  agent?: string;
  agentCmd?: string;
  maxIterations: number;
  parallel: number;
  timeout: number;
  budget?: number;
  template?: string;
  reviewAgent?: string;
  reviewAgentCmd?: string;
  onHost?: boolean;
  hosts?: string[];
  land?: boolean;
  push?: string;
  json?: boolean;
}

export function registerRalph(program: Command): void {
  const ralph = program
    .command("ralph")
    .description("run agents in a loop until the gates say a task is done");
  defineRun(ralph);
  defineStatus(ralph);
}

function defineRun(ralph: Command): void {
  jsonOption(
    ralph.command("run [ids...]").description("work the given tasks, or claim ready tasks one after another"),
  )
    .option("--agent <preset>", "claude, opencode, codex or aider", "claude")
    .option(
      "--agent-cmd <cmd>",
      "any agent command ({prompt_file}/{prompt} replaced; otherwise the prompt is on stdin)",
      nonEmpty("--agent-cmd"),
    )
    .option(
      "--max-iterations <n>",
      "iterations per task (1 to 1000)",
      positiveInt("--max-iterations", 1000),
      10,
    )
    .option(
      "--parallel <n>",
      "tasks at once, each in its own workspace (1 to 64)",
      positiveInt("--parallel", 64),
      1,
    )
    .option("--timeout <seconds>", "per iteration (at most a week)", seconds("--timeout"), 1800)
    .option(
      "--budget <minutes>",
      "wall-clock budget per task (at most a week)",
      positiveNumber("--budget", 10_080, "minutes"),
    )
    .option("-t, --template <template>", "template for workspaces created for tasks")
    .option(
      "--hosts <names>",
      "place new task workspaces on these hosts (comma-separated; `local` is this machine), each on the one with the most room under its limit",
      (value: string) => value.split(","),
    )
    .option("--review-agent <preset>", "agent that reviews tasks created with --review")
    .option("--review-agent-cmd <cmd>", "review command: exit 0 approves", nonEmpty("--review-agent-cmd"))
    .option(
      "--land",
      "land each task on the target branch once it is done (as `nexus land ID`); one sent back goes round again",
    )
    .option(
      "--push <remote>",
      "with --land: push the target to REMOTE after each landing (fast-forward only)",
    )
    .option(
      "--on-host",
      "run the agent on the host, not in the workspace's dev container: it then sees your home, keys, every repository, the Docker socket and your whole environment",
    )
    .action(runAction);
}

function defineStatus(ralph: Command): void {
  jsonOption(ralph.command("status").description("what runs where, and how recent runs ended")).action(
    async (o: { json?: boolean }) => {
      const { listRuns } = await import("../ralph/state.js");
      const runs = listRuns((await tasks()).paths.nexusDir);
      if (o.json) return printJson(runs);
      if (!runs.length) return info("No Ralph runs yet: nexus ralph run");
      await printTable(runs.slice(0, 20), [
        { header: "TASK", value: (r) => r.task },
        { header: "STATUS", value: (r) => (r.status === "running" ? style.warn(r.status) : r.status) },
        { header: "ITER", value: (r) => r.iterations.length },
        { header: "WORKSPACE", value: (r) => r.workspace },
        { header: "AGENT", value: (r) => r.agent },
        { header: "STARTED", value: (r) => r.startedAt.slice(0, 16) },
        { header: "TITLE", value: (r) => oneLine(r.title) },
      ]);
    },
  );
}

async function runAction(ids: string[], o: RunOptions): Promise<void> {
  const { agentCommand } = await import("../agents/presets.js");
  const { runRalph } = await import("../ralph/run.js");
  if (o.push && !o.land)
    throw new UsageError("--push needs --land: it pushes each landing.", "Add --land, or leave out --push.");
  const agent = agentCommand({ preset: o.agent, command: o.agentCmd });
  const reviewAgent =
    o.reviewAgent || o.reviewAgentCmd
      ? agentCommand({ preset: o.reviewAgent, command: o.reviewAgentCmd })
      : undefined;
  const results = await withInterrupt(
    async (signal) => {
      const tc = await tasks(`ralph-${agent.name}`);
      return runRalph(tc, {
        ...o,
        agent,
        reviewAgent,
        agentName: tc.actor,
        taskIds: ids,
        signal,
        maxIterations: o.maxIterations,
        timeoutSeconds: o.timeout,
        budgetMinutes: o.budget,
        report: printer,
      });
    },
    () => warn("stopping after the current step; the task stays resumable"),
  );
  if (o.json) printJson(results);
  else renderRuns(results);
  if (results.some((r) => r.status !== "done" && r.status !== "awaiting_review"))
    throw ExitStatus.of("check_failed");
}

function renderRuns(results: { task: string; status: string; iterations: unknown[]; message: string }[]) {
  if (!results.length) return info("Nothing is ready to work on.");
  for (const r of results)
    (r.status === "done" ? success : warn)(
      `${r.task} ${r.status} after ${r.iterations.length} iteration(s): ${oneLine(r.message)}`,
    );
}
