import { z } from "zod";
import { dataFence } from "../core/fence.js";
import { safeJson } from "../core/visible.js";
import { openTasks } from "../tasks/context.js";
import { checkAgentName, LIMITS } from "../tasks/limits.js";
import { listTasks } from "../tasks/list.js";
import { STATUSES } from "../tasks/model.js";
import { errorText, guarded } from "./hints.js";

type Result = { content: { type: "text"; text: string }[]; isError?: boolean };

const ok = (data: unknown): Result => ({ content: [{ type: "text", text: safeJson(data) }] });
const fail = (text: string): Result => ({ content: [{ type: "text", text }], isError: true });

export interface ToolDef {
  name: string;
  description: string;
  input: z.ZodRawShape;
  run: (args: Record<string, unknown>) => Promise<Result>;
}

/**
 * The limits in src/tasks/limits.ts, stated to the client; the capability layer enforces them too,
 * and checks the agent name's characters itself (a \p{L} pattern is not portable JSON Schema).
 */
const agentName = () => z.string().min(1).max(LIMITS.agent);
const agent = agentName()
  .optional()
  .describe("your agent name, recorded in the task's history (default: the server's NEXUS_AGENT)");
export const taskId = () => z.string().min(1).max(LIMITS.id);
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

const taskComplete: ToolDef = {
  name: "task_complete",
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
      if (result.gates.passed) return ok({ status: result.task.status, commit: result.gates.commit });
      const failed = result.gates.results
        .filter((r) => r.exitCode !== 0)
        .map((r) => `$ ${r.command}\nexit ${r.exitCode}\n${r.outputTail}`);
      // Check output is whatever the checked code printed: fenced as data, never instructions.
      const fence = dataFence(failed);
      const blocks = failed.map((f) => fence.block("failed check and its output", f));
      return fail(`Gates failed; ${a.id} is back in progress.\n${fence.rule}\n\n${blocks.join("\n\n")}`);
    } catch (error) {
      return fail(errorText(error));
    }
  },
};

const taskLand: ToolDef = {
  name: "task_land",
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

/** A dozen tools at most, terse: a large tool surface costs agents context before any work starts. */
export const TASK_TOOLS: ToolDef[] = [
  taskCreate,
  {
    name: "task_list",
    description: "List tasks by status; unverified = marked done without a passing gate run.",
    input: { status: z.enum(STATUSES).optional().describe("only tasks in this status; default: all") },
    run: (a) => guarded(async () => listTasks(await openTasks(), { status: a.status as string | undefined })),
  },
  {
    name: "task_ready",
    description: "Open tasks whose dependencies are done, best first.",
    input: {},
    run: () => guarded(async () => listTasks(await openTasks(), { ready: true })),
  },
  {
    name: "task_claim",
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
