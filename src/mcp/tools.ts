import { z } from "zod";
import { isNexusError } from "../core/errors.js";
import { openTasks } from "../tasks/context.js";

type Result = { content: { type: "text"; text: string }[]; isError?: boolean };

const ok = (data: unknown): Result => ({ content: [{ type: "text", text: JSON.stringify(data, null, 2) }] });
const fail = (text: string): Result => ({ content: [{ type: "text", text }], isError: true });

/** Every tool answers JSON, and every NexusError becomes a clear tool error (message + what to do). */
async function guarded(fn: () => Promise<Result>): Promise<Result> {
  try {
    return await fn();
  } catch (error) {
    if (isNexusError(error)) return fail(`${error.message}${error.hint ? `\nHint: ${error.hint}` : ""}`);
    return fail(`Unexpected error: ${(error as Error).message}`);
  }
}

export interface ToolDef {
  name: string;
  description: string;
  input: z.ZodRawShape;
  run: (args: Record<string, unknown>) => Promise<Result>;
}

const agent = z.string().optional().describe("your agent name (default NEXUS_AGENT)");
const id = z.string().describe("task id, e.g. nx-3f9a");

/** A dozen tools at most, terse: a large tool surface costs agents context before any work starts. */
export const TASK_TOOLS: ToolDef[] = [
  {
    name: "task_create",
    description: "Create a task with acceptance checks (commands that must exit 0).",
    input: {
      title: z.string(),
      description: z.string().optional(),
      priority: z.number().int().min(0).max(4).optional(),
      checks: z.array(z.string()).optional(),
      dependsOn: z.array(z.string()).optional(),
      workspace: z.string().optional(),
      agent,
    },
    run: (a) =>
      guarded(async () => {
        const { createTask } = await import("../tasks/lifecycle.js");
        const tc = await openTasks({ actor: a.agent as string | undefined });
        return ok(
          createTask(tc, {
            title: a.title as string,
            description: a.description as string,
            priority: a.priority as number,
            checks: a.checks as string[],
            dependsOn: a.dependsOn as string[],
            workspace: a.workspace as string,
          }),
        );
      }),
  },
  {
    name: "task_list",
    description: "List tasks (id, status, priority, assignee, title), optionally by status.",
    input: { status: z.string().optional() },
    run: (a) =>
      guarded(async () => ok((await openTasks()).store.rows({ status: a.status as string | undefined }))),
  },
  {
    name: "task_ready",
    description: "Open tasks whose dependencies are done, best first.",
    input: {},
    run: () =>
      guarded(async () => {
        const tc = await openTasks();
        const { readyTasks } = await import("../tasks/queries.js");
        return ok(readyTasks(tc.store.rows({ status: "open" }), tc.store.rows({ status: "done" })));
      }),
  },
  {
    name: "task_claim",
    description: "Claim the given task, or the best ready one (a lease; do this before working).",
    input: { id: id.optional(), agent: z.string() },
    run: (a) =>
      guarded(async () => {
        const { claimTask } = await import("../tasks/operations.js");
        return ok(
          claimTask(await openTasks({ actor: a.agent as string }), {
            id: a.id as string | undefined,
            agent: a.agent as string,
          }),
        );
      }),
  },
  {
    name: "task_show",
    description: "A task with its checks and full history (earlier failures and rejections).",
    input: { id },
    run: (a) => guarded(async () => ok((await openTasks()).store.get(a.id as string))),
  },
  {
    name: "task_complete",
    description: "Run the task's gates. Done only if every check passes; failures come back as an error.",
    input: { id, note: z.string().optional(), agent },
    run: (a) =>
      guarded(async () => {
        const { completeTask } = await import("../tasks/verify.js");
        const result = await completeTask(await openTasks({ actor: a.agent as string | undefined }), {
          id: a.id as string,
          note: a.note as string | undefined,
        });
        if (result.gates.passed) return ok({ status: result.task.status, commit: result.gates.commit });
        const failed = result.gates.results
          .filter((r) => r.exitCode !== 0)
          .map((r) => `$ ${r.command}\nexit ${r.exitCode}\n${r.outputTail}`);
        return fail(`Gates failed; ${a.id} is back in progress.\n\n${failed.join("\n\n")}`);
      }),
  },
  {
    name: "task_reject",
    description: "Reject a task with a reason (reviewers).",
    input: { id, reason: z.string(), by: z.string() },
    run: (a) =>
      guarded(async () => {
        const { rejectTask } = await import("../tasks/operations.js");
        return ok(
          rejectTask(await openTasks({ actor: a.by as string }), {
            id: a.id as string,
            reason: a.reason as string,
            by: a.by as string,
          }),
        );
      }),
  },
];
