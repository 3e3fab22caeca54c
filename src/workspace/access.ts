import { spawn } from "node:child_process";
import { relative, sep } from "node:path";
import { NexusError, UsageError } from "../core/errors.js";
import { listServices, type ServiceState } from "./containers.js";
import type { ProjectContext } from "./context.js";
import { type Docker, getDocker } from "./docker.js";
import { environmentFor } from "./environment.js";
import type { Environment } from "./environment-types.js";
import { execInContainer } from "./exec.js";
import { execUser } from "./runtime.js";
import type { WorkspaceRecord } from "./store.js";

export interface RunInWorkspaceOptions {
  name: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  /** KEY=VALUE pairs added to the command's environment. */
  env?: string[];
  /** Working directory: relative to the workspace folder, or absolute in the container. */
  workdir?: string;
}

interface DevTarget {
  record: WorkspaceRecord;
  env: Environment;
  docker: Docker;
  dev: ServiceState;
  user: string;
}

/** The running dev container of a workspace, or undefined for a worktree-only workspace. */
async function devTarget(
  ctx: ProjectContext,
  name: string,
): Promise<DevTarget | { record: WorkspaceRecord }> {
  const record = ctx.store.get(name);
  const env = await environmentFor(ctx, record);
  if (!env?.devService) return { record };
  const docker = await getDocker();
  const dev = (await listServices({ repoId: ctx.repoId, workspace: name })).find(
    (s) => s.service === env.devService,
  );
  if (dev?.state !== "running") {
    throw new NexusError(`Workspace "${name}" has no running dev container.`, {
      category: "docker",
      hint: `Start it with \`nexus workspace up ${name}\`.`,
    });
  }
  const user = execUser(env, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
  return { record, env, docker, dev, user };
}

/** Runs a command in the dev container (or, for a workspace without one, in its worktree) and returns its exit code. */
export async function runInWorkspace(ctx: ProjectContext, options: RunInWorkspaceOptions): Promise<number> {
  const extra = checkEnvPairs(options.env ?? []);
  const target = await devTarget(ctx, options.name);
  if (!("dev" in target)) {
    const cwd = options.workdir
      ? resolveHostDir(target.record.worktreePath, options.workdir)
      : target.record.worktreePath;
    return runOnHost(cwd, options.cmd, Object.fromEntries(extra.map((p) => p.split(/=(.*)/s).slice(0, 2))));
  }
  const folder = target.env.workspaceFolder;
  return execInContainer(target.docker, {
    containerId: target.dev.id,
    cmd: options.cmd,
    tty: options.tty,
    stdin: options.stdin,
    user: target.user,
    env: [...remoteEnv(target.env), ...extra],
    workdir: options.workdir
      ? containerDir(folder, options.workdir)
      : containerCwd(target.record.worktreePath, folder),
  });
}

function checkEnvPairs(pairs: string[]): string[] {
  for (const pair of pairs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair))
      throw new UsageError(
        `-e takes KEY=VALUE, got ${JSON.stringify(pair.slice(0, 60))}.`,
        "For example: -e POSTGRES_HOST=db",
      );
  }
  return pairs;
}

function remoteEnv(env: Environment): string[] {
  return Object.entries(env.remoteEnv).map(([k, v]) => `${k}=${v}`);
}

function containerDir(folder: string, dir: string): string {
  if (dir.startsWith("/")) return dir;
  if (dir.split("/").includes("..")) throw new UsageError(`-w ${dir}: stay inside the workspace (no ..).`);
  return `${folder}/${dir}`.replace(/\/+$/, "");
}

function resolveHostDir(worktree: string, dir: string): string {
  if (dir.startsWith("/") || dir.split("/").includes(".."))
    throw new UsageError(`-w ${dir}: for a workspace without containers, give a folder inside the worktree.`);
  return `${worktree}/${dir}`;
}

/** The current directory's place inside the worktree, as seen under the workspace folder in the container. */
export function containerCwd(worktree: string, folder = "/workspace", cwd: string = process.cwd()): string {
  const rel = relative(worktree, cwd);
  if (!rel || rel.startsWith("..")) return folder;
  return `${folder}/${rel.split(sep).join("/")}`;
}

export function runOnHost(cwd: string, cmd: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd,
      stdio: "inherit",
      env: { ...process.env, NEXUS_WORKSPACE_PATH: cwd, ...env },
    });
    child.on("error", (error) =>
      reject(
        new NexusError(`Cannot run ${cmd[0]}: ${error.message}`, { category: "validation", exitCode: 127 }),
      ),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Like runInWorkspace, but returns the output instead of printing it (gates, MCP tools). */
export async function captureInWorkspace(
  ctx: ProjectContext,
  name: string,
  command: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ exitCode: number; output: string; timedOut?: boolean }> {
  const target = await devTarget(ctx, name);
  if (!("dev" in target)) {
    const { runShellGroup } = await import("../core/process-group.js");
    const result = await runShellGroup(command, {
      cwd: target.record.worktreePath,
      timeoutMs: options.timeoutMs ?? 24 * 3600_000,
      signal: options.signal,
    });
    return { exitCode: result.exitCode, output: result.output, timedOut: result.timedOut };
  }
  const { PassThrough } = await import("node:stream");
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const exitCode = await execInContainer(target.docker, {
    containerId: target.dev.id,
    cmd: ["/bin/sh", "-c", command],
    workdir: target.env.workspaceFolder,
    user: target.user,
    env: remoteEnv(target.env),
    stdout: out,
    stderr: out,
  });
  return { exitCode, output: Buffer.concat(chunks).toString() };
}
