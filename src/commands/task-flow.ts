import type { Command } from "commander";
import { ExitStatus } from "../core/errors.js";
import { positiveInt } from "../core/options.js";
import {
  info,
  oneLine,
  printJson,
  printLine,
  printTable,
  style,
  success,
  visible,
  warn,
} from "../core/output.js";
import type { GateOptions } from "../tasks/gates.js";
import { shortCommit } from "../tasks/model.js";
import type { CompleteResult } from "../tasks/verify.js";
import { jsonOption, tasks, withInterrupt } from "./common.js";

export function registerTaskFlow(task: Command): void {
  defineStart(task);
  defineAssign(task);
  defineClaim(task);
  defineHeartbeat(task);
  defineComplete(task);
  defineVerify(task);
  defineApprove(task);
  defineReject(task);
  defineBlock(task);
  definePatterns(task);
  defineSync(task);
  task
    .command("merge-driver <base> <ours> <theirs>", { hidden: true })
    .description("git merge driver for .nexus/tasks.jsonl")
    .action(async (base: string, ours: string, theirs: string) => {
      const { runMergeDriver } = await import("../tasks/merge-driver.js");
      // git reads the exit code: 0 merged, non-zero left for the user to resolve.
      if (!runMergeDriver(base, ours, theirs)) throw ExitStatus.of("conflict");
    });
}

function defineStart(task: Command): void {
  jsonOption(
    task
      .command("start <id>")
      .description("start working on a task (open, rejected or blocked → in_progress)"),
  )
    .option("--by <who>", "who starts it (becomes the assignee if it has none)")
    .action(async (id: string, o: { by?: string; json?: boolean }) => {
      const { startTask } = await import("../tasks/operations.js");
      const t = startTask(await tasks(o.by), id);
      if (o.json) return printJson(t);
      success(`${id} in progress (${oneLine(t.assignee ?? "-")}).`);
    });
}

function defineAssign(task: Command): void {
  jsonOption(
    task.command("assign <id> <agent>").description("assign a task whose dependencies are done"),
  ).action(async (id: string, agent: string, o: { json?: boolean }) => {
    const { assignTask } = await import("../tasks/operations.js");
    const t = assignTask(await tasks(), id, agent);
    if (o.json) return printJson(t);
    success(`${id} assigned to ${agent}.`);
  });
}

function defineClaim(task: Command): void {
  jsonOption(task.command("claim [id]").description("atomically take the given task, or the best ready one"))
    .requiredOption("--agent <agent>", "who claims it")
    .option("--ttl <seconds>", "lease length; heartbeat to extend", positiveInt("--ttl", 7 * 24 * 3600))
    .action(async (id: string | undefined, o: { agent: string; ttl?: number; json?: boolean }) => {
      const { claimTask } = await import("../tasks/operations.js");
      const t = claimTask(await tasks(o.agent), { id, agent: o.agent, ttlSeconds: o.ttl });
      if (o.json) return printJson(t);
      success(
        `${o.agent} claimed ${style.bold(t.id)}: ${oneLine(t.title)} (lease until ${t.leaseExpiresAt})`,
      );
    });
}

function defineHeartbeat(task: Command): void {
  jsonOption(task.command("heartbeat <id>").description("extend the lease on a claimed task"))
    .requiredOption("--agent <agent>", "the agent holding it")
    .option("--ttl <seconds>", "new lease length", positiveInt("--ttl", 7 * 24 * 3600))
    .action(async (id: string, o: { agent: string; ttl?: number; json?: boolean }) => {
      const { heartbeat } = await import("../tasks/operations.js");
      const t = heartbeat(await tasks(o.agent), { id, agent: o.agent, ttlSeconds: o.ttl });
      if (o.json) return printJson(t);
      success(`Lease on ${id} extended until ${t.leaseExpiresAt}.`);
    });
}

function reportGates(result: CompleteResult, json?: boolean): void {
  if (json) printJson(result);
  const { task } = result;
  if (result.signerAdded)
    info(`Your signing key was added to .nexus/allowed_signers: commit it, so others verify your runs.`);
  if (task.status === "done")
    success(`${task.id} is done: every gate passed at ${shortCommit(result.gates.commit)} (signed).`);
  else if (task.status === "awaiting_review")
    success(`${task.id} passed its gates and awaits review: nexus task approve ${task.id} --by WHO`);
  else {
    if (!json)
      for (const r of result.gates.results.filter((x) => x.exitCode !== 0))
        printLine(
          `${style.error(`✖ ${oneLine(r.command)}`)} exit ${r.exitCode}\n${style.dim(visible(r.outputTail, { multiline: true }))}`,
        );
    warn(`${task.id} is not done: gates failed; it is back in progress with the failures recorded.`);
    throw ExitStatus.of("gate_failed");
  }
}

function defineComplete(task: Command): void {
  jsonOption(
    task
      .command("complete <id>")
      .description("run the gates: all pass → done (or review), any fails → back to in_progress"),
  )
    .option("--note <text>", "what was done")
    .option("--by <who>", "who completes it")
    .option(
      "--timeout <seconds>",
      "stop any check still running after this long (default: tasks.gate_timeout, 1800)",
      positiveInt("--timeout", 86_400),
    )
    .action(async (id: string, o: { note?: string; by?: string; timeout?: number; json?: boolean }) => {
      const { completeTask } = await import("../tasks/verify.js");
      const tc = await tasks(o.by, id);
      const result = await withInterrupt((signal) =>
        completeTask(tc, { id, note: o.note, ...gateOptions(o, signal) }),
      );
      reportGates(result, o.json);
    });
}

/** Progress on stderr as each check starts and ends; the timeout from --timeout. */
function gateOptions(o: { timeout?: number; json?: boolean }, signal: AbortSignal): GateOptions {
  return {
    signal,
    ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    onCheck: ({ command, where, result }) => {
      if (!result) return info(`${style.dim("gate")} ${command} ${style.dim(`(${where})`)}`);
      info(`  ${result.exitCode === 0 ? style.ok("pass") : style.error(`fail (exit ${result.exitCode})`)}`);
    },
  };
}

function defineVerify(task: Command): void {
  jsonOption(task.command("verify <id>").description("re-run a task's gates"))
    .option("--by <who>", "who runs them (a task not done yet is completed by its lease holder only)")
    .option(
      "--timeout <seconds>",
      "stop any check still running after this long",
      positiveInt("--timeout", 86_400),
    )
    .action(async (id: string, o: { by?: string; timeout?: number; json?: boolean }) => {
      const { verifyTask } = await import("../tasks/verify.js");
      const tc = await tasks(o.by, id);
      reportGates(await withInterrupt((signal) => verifyTask(tc, id, gateOptions(o, signal))), o.json);
    });
}

function defineApprove(task: Command): void {
  jsonOption(task.command("approve <id>").description("approve a task awaiting review → done"))
    .option("--by <who>", "the reviewer (with a signing key of your own, the key names you)")
    .action(async (id: string, o: { by?: string; json?: boolean }) => {
      const { approveSigned } = await import("../tasks/review.js");
      const t = await approveSigned(await tasks(o.by), id, o.by);
      if (o.json) return printJson(t);
      success(`${id} approved by ${t.history.at(-1)?.by}: done.`);
    });
}

function defineReject(task: Command): void {
  jsonOption(
    task.command("reject <id>").description("reject a task: recorded, counted and returned to its assignee"),
  )
    .requiredOption("--reason <text>", "why: fed back to whoever fixes it")
    .requiredOption("--by <who>", "the reviewer")
    .action(async (id: string, o: { reason: string; by: string; json?: boolean }) => {
      const { rejectTask } = await import("../tasks/operations.js");
      const t = rejectTask(await tasks(o.by), { id, reason: o.reason, by: o.by });
      if (o.json) return printJson(t);
      success(`${id} rejected (${t.rejections} so far); back to ${oneLine(t.assignee ?? "the queue")}.`);
    });
}

function defineBlock(task: Command): void {
  jsonOption(task.command("block <id>").description("mark a task blocked"))
    .requiredOption("--reason <text>", "what blocks it")
    .action(async (id: string, o: { reason: string; json?: boolean }) => {
      const { blockTask } = await import("../tasks/operations.js");
      const t = blockTask(await tasks(), id, o.reason);
      if (o.json) return printJson(t);
      success(`${id} blocked: ${oneLine(o.reason)}`);
    });
}

function definePatterns(task: Command): void {
  jsonOption(task.command("patterns").description("recurring gate failures and rejection reasons"))
    .option("--min <n>", "show causes seen at least this often", positiveInt("--min", 1_000_000), 2)
    .action(async (o: { min: number; json?: boolean }) => {
      const { failurePatterns } = await import("../tasks/patterns.js");
      const patterns = failurePatterns((await tasks()).store.all(), o.min);
      if (o.json) return printJson(patterns);
      if (!patterns.length) return info(`No cause seen ${o.min} times or more.`);
      await printTable(patterns, [
        { header: "COUNT", value: (p) => p.count },
        { header: "KIND", value: (p) => p.kind },
        { header: "CATEGORY", value: (p) => p.category },
        { header: "TASKS", value: (p) => p.tasks.length },
        { header: "LAST SEEN", value: (p) => p.lastSeen.slice(0, 16) },
        { header: "CAUSE", value: (p) => oneLine(p.key) },
      ]);
    });
}

function defineSync(task: Command): void {
  jsonOption(
    task
      .command("sync")
      .description(
        "merge conflict markers in tasks.jsonl from the merge base (as the driver does) and rebuild the index",
      ),
  ).action(async (o: { json?: boolean }) => {
    const { syncTasks } = await import("../tasks/merge-driver.js");
    const result = await syncTasks(await tasks());
    if (o.json) return printJson(result);
    if (!result.repaired) return success(`tasks.jsonl is clean: ${result.tasks} tasks indexed.`);
    success(`Merged both sides of the conflict: ${result.tasks} tasks (base: ${result.base ?? "none"}).`);
    if (!result.base)
      warn("No merge base was found: where both sides changed a field, the newer copy of the task won.");
    info(style.dim("Mark it resolved: git add .nexus/tasks.jsonl"));
  });
}
