import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { NexusError } from "../core/errors.js";
import { dataFence } from "../core/fence.js";
import { safeJson } from "../core/visible.js";
import { openTasks } from "../tasks/context.js";
import type { GateRun } from "../tasks/gates.js";
import { checkAgentName, LIMITS } from "../tasks/limits.js";
import { listTasks } from "../tasks/list.js";
import { STATUSES } from "../tasks/model.js";
import { errorResult, guarded, type Result } from "./hints.js";
import { completeOutput, landOutput, taskListOutput, taskOutput, taskShowOutput } from "./schemas.js";

export interface ToolDef {
  name: string;
  /** A short human name for clients' tool lists. */
  title: string;
  description: string;
  input: z.ZodRawShape;
  /** The structuredContent every call returns, on success and on a tool error (schemas.ts). */
  output: z.ZodObject;
  annotations: ToolAnnotations;
  run: (args: Record<string, unknown>) => Promise<Result>;
}

/** Reads only: calling it again changes nothing (listing also returns lapsed claims to the queue). */
export const READS: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
/** Changes the project's tasks or workspaces; the spec's defaults (destructive, open world) overridden. */
export const writes = (hints: Partial<ToolAnnotations> = {}): ToolAnnotations => ({
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
  ...hints,
});

/**
 * The limits in src/tasks/limits.ts, stated to the client; the capability layer enforces them too,
 * and checks the agent name's characters itself (a \p{L} pattern is not portable JSON Schema).
 */
const agentName = () => z.string().min(1).max(LIMITS.agent);
const agent = agentName()
  .optional()
  .describe("your agent name, recorded in the task's history (default: the server's NEXUS_AGENT)");
const taskId = () => z.string().min(1).max(LIMITS.id);
const id = taskId().describe("task id, e.g. nx-3f9a");
const text = () => z.string().max(LIMITS.text);
/** As `claim --ttl`: at most a week. */
const LEASE_MAX_SECONDS = 7 * 24 * 3600;

/** Opens the tasks as the given agent; a name beyond the limits is refused even in-process. */
async function tasksAs(name: unknown) {
  if (typeof name === "string") checkAgentName(name);
  return openTasks({ actor: name as string | undefined });
}

const taskCreate: ToolDef = {
  name: "task_create",
  title: "Create task",
  output: taskOutput,
  annotations: writes(),
  description: "Create a task with acceptance checks (commands that must exit 0).",
  input: {
    title: z.string().min(1).max(LIMITS.title).describe("one line saying what is to be done"),
    description: text().optional().describe("what to do and why; fed to whoever works on it"),
    priority: z.number().int().min(0).max(4).optional().describe("0 (most urgent) to 4; default 2"),
    checks: z
      .array(z.string().min(1).max(LIMITS.check))
      .max(LIMITS.checks)
      .optional()
      .describe("shell commands that must all exit 0 for the task to be done; default: the project's gates"),
    dependsOn: z
      .array(taskId())
      .max(LIMITS.ids)
      .optional()
      .describe("ids of tasks that must be done before this one is ready"),
    workspace: z
      .string()
      .max(LIMITS.workspace)
      .optional()
      .describe("workspace whose dev container runs the checks (default: the main checkout)"),
    agent,
  },
  run: (a) =>
    guarded(async () => {
      const { createTask } = await import("../tasks/lifecycle.js");
      return createTask(await tasksAs(a.agent), {
        title: a.title as string,
        description: a.description as string,
        priority: a.priority as number,
        checks: a.checks as string[],
        dependsOn: a.dependsOn as string[],
        workspace: a.workspace as string,
      });
    }),
};

/** Gates failed: the failing checks fenced as data in the text, and as fields in structuredContent. */
function gateFailure(id: string, status: string, gates: GateRun): Result {
  const failed = gates.results.filter((r) => r.exitCode !== 0);
  const shown = failed.map((r) => `$ ${r.command}\nexit ${r.exitCode}\n${r.outputTail}`);
  // Check output is whatever the checked code printed: fenced as data, never instructions.
  const fence = dataFence(shown);
  const blocks = shown.map((f) => fence.block("failed check and its output", f));
  const message = `Gates failed; ${id} is back in progress.`;
  const hint = "Fix what failed, then call task_complete again.";
  const answer = errorResult(
    new NexusError(message, { category: "gate_failed", hint }),
    JSON.parse(safeJson({ status, commit: gates.commit, failed })),
  );
  answer.content = [{ type: "text", text: `${message}\n${fence.rule}\n\n${blocks.join("\n\n")}` }];
  return answer;
}

const taskComplete: ToolDef = {
  name: "task_complete",
  title: "Complete task (run its gates)",
  output: completeOutput,
  // Runs the task's checks: commands of the project, which may do anything they do in CI.
  annotations: writes({ openWorldHint: true }),
  description: "Run the task's gates. Done only if every check passes; failures come back as an error.",
  input: {
    id,
    note: text().optional().describe("what you did, recorded in the history"),
    agent,
    timeout: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .optional()
      .describe("seconds each check may run (default: the project's tasks.gate_timeout)"),
  },
  run: async (a) => {
    try {
      const { completeTask } = await import("../tasks/verify.js");
      const result = await completeTask(await tasksAs(a.agent), {
        id: a.id as string,
        note: a.note as string | undefined,
        timeoutMs: typeof a.timeout === "number" ? a.timeout * 1000 : undefined,
      });
      const { status } = result.task;
      if (result.gates.passed) {
        const done = { status, commit: result.gates.commit };
        return { content: [{ type: "text", text: safeJson(done) }], structuredContent: done };
      }
      return gateFailure(a.id as string, status, result.gates);
    } catch (error) {
      return errorResult(error);
    }
  },
};

const taskLand: ToolDef = {
  name: "task_land",
  title: "Land verified tasks",
  output: landOutput,
  // Moves the target branch and sends tasks back; a dry run changes nothing.
  annotations: writes({ destructiveHint: true }),
  description:
    "Land done, verified tasks on the target branch: rebase, re-check, fast-forward; else send back.",
  input: {
    ids: z
      .array(taskId())
      .max(LIMITS.ids)
      .optional()
      .describe("only these tasks; default: every done, verified task with unlanded commits"),
    dry_run: z
      .boolean()
      .optional()
      .describe("only return the queue that would land, in order; change nothing"),
  },
  run: (a) =>
    guarded(async () => {
      const { landTasks } = await import("../tasks/land/land.js");
      return landTasks(await openTasks(), { ids: a.ids as string[] | undefined, dryRun: a.dry_run === true });
    }),
};

/** Lists are arrays in the text (as `task list --json`); structuredContent must be an object. */
const asTasks = { structured: (tasks: unknown) => ({ tasks }) };

/** A dozen tools at most, terse: a large tool surface costs agents context before any work starts. */
export const TASK_TOOLS: ToolDef[] = [
  taskCreate,
  {
    name: "task_list",
    title: "List tasks",
    output: taskListOutput,
    annotations: READS,
    description: "List tasks by status; unverified = marked done without a passing gate run.",
    input: { status: z.enum(STATUSES).optional().describe("only tasks in this status; default: all") },
    run: (a) =>
      guarded(async () => listTasks(await openTasks(), { status: a.status as string | undefined }), asTasks),
  },
  {
    name: "task_ready",
    title: "Ready tasks",
    output: taskListOutput,
    annotations: READS,
    description: "Open tasks whose dependencies are done, best first.",
    input: {},
    run: () => guarded(async () => listTasks(await openTasks(), { ready: true }), asTasks),
  },
  {
    name: "task_claim",
    title: "Claim task",
    output: taskOutput,
    annotations: writes(),
    description:
      "Claim a task, or the best ready one: a lease, held before working; claim it again to renew.",
    input: {
      id: taskId().optional().describe("task id to claim; omit to take the best ready task"),
      agent: agentName().describe("your agent name: you become the task's assignee"),
      ttl: z
        .number()
        .int()
        .min(1)
        .max(LEASE_MAX_SECONDS)
        .optional()
        .describe("lease length in seconds (default 1800); kept when you renew it"),
    },
    run: (a) =>
      guarded(async () => {
        const { claimTask } = await import("../tasks/operations.js");
        const tc = await tasksAs(a.agent);
        const ttlSeconds = a.ttl as number | undefined;
        return claimTask(tc, { id: a.id as string | undefined, agent: a.agent as string, ttlSeconds });
      }),
  },
  {
    name: "task_show",
    title: "Show task",
    output: taskShowOutput,
    annotations: READS,
    description:
      "A task, its checks and full history (failures, rejections, landings, check changes); unverified flag.",
    input: { id },
    run: (a) =>
      guarded(async () => {
        const { showTask } = await import("../tasks/integrity.js");
        return showTask((await openTasks()).store, a.id as string);
      }),
  },
  taskComplete,
  {
    name: "task_reject",
    title: "Reject task",
    output: taskOutput,
    // Reopens work someone finished (a done task goes back): not undone by calling again.
    annotations: writes({ destructiveHint: true }),
    description: "Reject a task with a reason (reviewers).",
    input: {
      id,
      reason: text().min(1).describe("why, fed back to whoever fixes it"),
      by: agentName().describe("the reviewer's name"),
    },
    run: (a) =>
      guarded(async () => {
        const { rejectTask } = await import("../tasks/operations.js");
        return rejectTask(await tasksAs(a.by), {
          id: a.id as string,
          reason: a.reason as string,
          by: a.by as string,
        });
      }),
  },
  taskLand,
];
