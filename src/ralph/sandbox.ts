import { homedir } from "node:os";
import { relative, sep } from "node:path";
import { type AgentConfig, expandHome } from "../core/config.js";
import { ExitCode, NexusError } from "../core/errors.js";
import type { ProjectContext } from "../workspace/context.js";
import type { RunTarget } from "../workspace/tether.js";

/**
 * Where a task's agent runs: its workspace's dev container (the default), or the host with --on-host.
 * In the container it gets the container's own environment, the loop's NEXUS_* variables and the
 * allowlisted host variables; the allowlisted files are copied into its home before each run.
 */
export interface AgentPlace {
  kind: "container" | "host";
  /** The worktree as the agent sees it. */
  folder: string;
  /** A path in the worktree (on the host) as the agent sees it. */
  visible(hostPath: string): string;
  /** Copies the allowlisted files in; returns the ones the host does not have. */
  prepare(): Promise<string[]>;
  /** The run target with the loop's variables added. */
  target(loopEnv: Record<string, string>): RunTarget;
}

/** The dev container of a workspace as the agent's place; refuses a workspace without one. */
export async function containerPlace(
  ctx: ProjectContext,
  workspace: string,
  config: AgentConfig,
): Promise<AgentPlace> {
  const { devTarget, remoteEnv } = await import("../workspace/access.js");
  const target = await devTarget(ctx, workspace);
  if (!("dev" in target)) throw noDevContainer(workspace);
  const worktree = target.record.worktreePath;
  const folder = target.env.workspaceFolder;
  const base = { kind: "container" as const, containerId: target.dev.id, user: target.user, workdir: folder };
  const allowed = config.env.flatMap((key) =>
    process.env[key] === undefined ? [] : [`${key}=${process.env[key]}`],
  );
  const env = [...remoteEnv(target.env), ...allowed];
  let user: import("../workspace/container-files.js").ContainerUser | undefined;
  return {
    kind: "container",
    folder,
    visible: (hostPath) => `${folder}/${relative(worktree, hostPath).split(sep).join("/")}`,
    prepare: async () => {
      if (!config.files.length) return [];
      const files = await import("../workspace/container-files.js");
      user ??= await files.containerUser({ ...base, env });
      const copies = config.files.map((f) => ({ source: expandHome(f, homedir()), target: f.slice(2) }));
      return files.copyIntoHome(base.containerId, user, copies);
    },
    target: (loopEnv) => ({
      ...base,
      env: [...env, ...Object.entries(loopEnv).map(([k, v]) => `${k}=${v}`)],
    }),
  };
}

/** --on-host: the worktree on the host, with the host's whole environment (what the flag gives up). */
export function hostPlace(worktree: string): AgentPlace {
  return {
    kind: "host",
    folder: worktree,
    visible: (hostPath) => hostPath,
    prepare: async () => [],
    target: (loopEnv) => ({ kind: "host", cwd: worktree, env: { ...process.env, ...loopEnv } }),
  };
}

/** `what`: a workspace name, or words saying which workspace. */
export function noDevContainer(what: string): NexusError {
  const subject = /^[\w.-]+$/.test(what) ? `Workspace "${what}" has` : `The workspace ${what} would have`;
  return new NexusError(`${subject} no dev container for the agent to run in.`, {
    category: "validation",
    exitCode: ExitCode.usage,
    hint: "Give the task a workspace with containers (`--template NAME`, or `default_template` in .nexus/config.yaml), or run the agent on the host with `nexus ralph run --on-host` (it then sees your home, keys and Docker socket).",
  });
}
