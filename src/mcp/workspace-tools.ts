import { z } from "zod";
import { checkWorkspace, LIMITS } from "../tasks/limits.js";
import { guarded } from "./hints.js";
import { execOutput, portsOutput, workspaceListOutput, workspaceOutput } from "./schemas.js";
import { READS, type ToolDef, writes } from "./tools.js";

/** Opens the project; a workspace name is checked first so an overlong one is never echoed whole. */
async function project(workspace?: unknown) {
  if (typeof workspace === "string") checkWorkspace(workspace);
  const { openProject } = await import("../workspace/context.js");
  return openProject();
}

const name = z
  .string()
  .min(1)
  .max(LIMITS.workspace)
  .describe("workspace name: 1-40 lowercase letters, digits and single dashes, e.g. feature-auth");

export const WORKSPACE_TOOLS: ToolDef[] = [
  {
    name: "workspace_list",
    title: "List workspaces",
    output: workspaceListOutput,
    // Asks the local Docker Engine for container states.
    annotations: READS,
    description: "Workspaces with state, ports and drift.",
    input: {},
    run: () =>
      guarded(
        async () =>
          (await (await import("../workspace/inspect.js")).listWorkspaces(await project(), { disk: false }))
            .workspaces,
        { structured: (workspaces) => ({ workspaces }) },
      ),
  },
  {
    name: "workspace_create",
    title: "Create workspace",
    output: workspaceOutput,
    // Builds images and starts containers; with `host`, on a remote machine over SSH.
    annotations: writes({ openWorldHint: true }),
    description: "Create an isolated workspace (worktree on nexus/NAME + containers from a template).",
    input: {
      name: name.describe("new workspace name (branch nexus/NAME): 1-40 lowercase letters, digits, dashes"),
      template: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe(
          'environment to start: a built-in (node-postgres, go-postgres, python-postgres) or .nexus/templates/NAME; "none" makes a plain git worktree with no containers. Omitted: the project\'s default_template (node-postgres unless .nexus/config.yaml says otherwise), which starts Docker containers',
        ),
      profiles: z
        .array(z.string().min(1).max(64))
        .max(20)
        .optional()
        .describe("Compose profiles whose services start too (as `--profile`); kept for later starts"),
      host: z
        .string()
        .min(1)
        .max(32)
        .optional()
        .describe(
          "a remote host the user registered (`nexus host list`) to make the workspace on; omitted: this machine",
        ),
    },
    run: (a) =>
      guarded(async () =>
        (await import("../workspace/manager.js")).createWorkspace(await project(a.name), {
          name: a.name as string,
          template: a.template as string | undefined,
          profiles: a.profiles as string[] | undefined,
          host: a.host as string | undefined,
        }),
      ),
  },
  {
    name: "workspace_exec",
    title: "Run in workspace",
    output: execOutput,
    // Any shell command: it may delete files or reach the network.
    annotations: writes({ destructiveHint: true, openWorldHint: true }),
    description:
      "Run a shell command in a workspace's dev container (or worktree); returns exit code and output.",
    input: {
      name,
      command: z
        .string()
        .min(1)
        .max(LIMITS.text)
        .describe("shell command, run with sh -c in the workspace's folder"),
    },
    run: (a) =>
      guarded(
        async () =>
          (await import("../workspace/access.js")).captureInWorkspace(
            await project(a.name),
            a.name as string,
            a.command as string,
          ),
        { isError: (d) => (d as { exitCode: number }).exitCode !== 0 },
      ),
  },
  {
    name: "workspace_ports",
    title: "Workspace ports",
    output: portsOutput,
    annotations: READS,
    description: "A workspace's host ports and variables (DATABASE_URL, NEXUS_PORT_*).",
    input: { name },
    run: (a) =>
      guarded(async () => {
        const { workspacePorts } = await import("../workspace/summary.js");
        const result = await workspacePorts(await project(a.name), a.name as string);
        return { ports: result.ports, env: result.env };
      }),
  },
];
