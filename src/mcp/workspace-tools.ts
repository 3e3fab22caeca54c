import { z } from "zod";
import { isNexusError } from "../core/errors.js";
import type { ToolDef } from "./tools.js";

type Result = Awaited<ReturnType<ToolDef["run"]>>;

async function guarded(fn: () => Promise<unknown>, isError?: (data: unknown) => boolean): Promise<Result> {
  try {
    const data = await fn();
    return {
      content: [{ type: "text", text: JSON.stringify(data, null, 2) }],
      isError: isError?.(data) || undefined,
    };
  } catch (error) {
    const text = isNexusError(error)
      ? `${error.message}${error.hint ? `\nHint: ${error.hint}` : ""}`
      : `Unexpected error: ${(error as Error).message}`;
    return { content: [{ type: "text", text }], isError: true };
  }
}

async function project() {
  const { openProject } = await import("../workspace/context.js");
  return openProject();
}

export const WORKSPACE_TOOLS: ToolDef[] = [
  {
    name: "task_history",
    description: "Every transition of a task: who, when, why, gate results.",
    input: { id: z.string() },
    run: (a) =>
      guarded(
        async () =>
          (await (await import("../tasks/context.js")).openTasks()).store.get(a.id as string).history,
      ),
  },
  {
    name: "workspace_list",
    description: "Workspaces with state, ports and drift.",
    input: {},
    run: () =>
      guarded(
        async () =>
          (await (await import("../workspace/inspect.js")).listWorkspaces(await project(), { disk: false }))
            .workspaces,
      ),
  },
  {
    name: "workspace_create",
    description: "Create an isolated workspace (worktree on nexus/NAME + containers from a template).",
    input: { name: z.string(), template: z.string().optional() },
    run: (a) =>
      guarded(async () =>
        (await import("../workspace/manager.js")).createWorkspace(await project(), {
          name: a.name as string,
          template: a.template as string | undefined,
        }),
      ),
  },
  {
    name: "workspace_exec",
    description:
      "Run a shell command in a workspace's dev container (or worktree); returns exit code and output.",
    input: { name: z.string(), command: z.string() },
    run: (a) =>
      guarded(
        async () =>
          (await import("../workspace/access.js")).captureInWorkspace(
            await project(),
            a.name as string,
            a.command as string,
          ),
        (d) => (d as { exitCode: number }).exitCode !== 0,
      ),
  },
  {
    name: "workspace_ports",
    description: "A workspace's host ports and variables (DATABASE_URL, NEXUS_PORT_*).",
    input: { name: z.string() },
    run: (a) =>
      guarded(async () => {
        const { summary, templateFor } = await import("../workspace/manager.js");
        const ctx = await project();
        const result = summary(
          ctx,
          a.name as string,
          templateFor(ctx, ctx.store.get(a.name as string).template),
        );
        return { ports: result.ports, env: result.env };
      }),
  },
];
