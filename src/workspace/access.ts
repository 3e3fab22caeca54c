import { spawn } from "node:child_process";
import { relative, sep } from "node:path";
import { CommandNotFoundError, NexusError, UsageError } from "../core/errors.js";
import type { ProjectContext } from "./context.js";
import { type ServiceState, serviceContainer } from "./engine/containers.js";
import { getDocker } from "./engine/docker.js";
import { execInContainer } from "./engine/exec.js";
import type { LogsOptions } from "./engine/logs.js";
import { type RunTarget, runTethered } from "./engine/tether.js";
import { environmentFor } from "./environment/environment.js";
import { projectName } from "./names.js";
import { onHost } from "./on-host.js";
import { execUser } from "./setup/runtime.js";
import { type DevRecord, devRecord, type WorkspaceRecord } from "./store.js";

export interface RunInWorkspaceOptions {
  name: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  /** KEY=VALUE pairs added to the command's environment. */
  env?: string[];
  /** Working directory: relative to the workspace folder, or absolute in the container. */
  workdir?: string;
  timeoutMs?: number;
}

export interface DevTarget {
  record: WorkspaceRecord;
  /** Service, user, folder and remoteEnv, as the workspace's create/up recorded them. */
  env: DevRecord;
  dev: ServiceState;
  user: string;
}

/**
 * The running dev container of a workspace, or only its record for a worktree-only workspace. Found
 * from the record (Compose project + dev service, by label: one Engine API call); only a record from
 * before these were kept derives the environment from the worktree's files.
 */
export async function devTarget(
  ctx: ProjectContext,
  name: string,
): Promise<DevTarget | { record: WorkspaceRecord }> {
  const record = ctx.store.get(name);
  const env = record.composeProject ? record.dev : devRecord(await environmentFor(ctx, record));
  if (!env && record.host)
    throw new NexusError(
      `Workspace "${name}" on host ${record.host} has no dev container to run commands in.`,
      {
        category: "validation",
        hint: `Its worktree is ${record.worktreePath} on that host; give the workspace a dev service to run commands through Nexus.`,
      },
    );
  if (!env) return { record };
  const ref = { repoId: ctx.repoId, workspace: name };
  const dev = await serviceContainer(ref, record.composeProject ?? projectName(ref), env.service);
  if (dev?.state !== "running") {
    throw new NexusError(`Workspace "${name}" has no running dev container.`, {
      category: "docker",
      hint: `Start it with \`nexus workspace up ${name}\`.`,
    });
  }
  const user = env.user ?? execUser(env, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
  return { record, env, dev, user };
}

/** Runs a command in the dev container (or, for a workspace without one, in its worktree) and returns its exit code. */
export function runInWorkspace(ctx: ProjectContext, options: RunInWorkspaceOptions): Promise<number> {
  return onHost(ctx, options.name, () => runIn(ctx, options));
}

async function runIn(ctx: ProjectContext, options: RunInWorkspaceOptions): Promise<number> {
  const extra = checkEnvPairs(options.env ?? []);
  const target = await devTarget(ctx, options.name);
  if (!("dev" in target)) {
    const cwd = options.workdir
      ? resolveHostDir(target.record.worktreePath, options.workdir)
      : target.record.worktreePath;
    const env = Object.fromEntries(extra.map((p) => p.split(/=(.*)/s).slice(0, 2)));
    if (options.tty || options.stdin) return runOnHost(cwd, options.cmd, env);
    const host = { kind: "host" as const, cwd, env: { ...process.env, NEXUS_WORKSPACE_PATH: cwd, ...env } };
    const timeoutMs = options.timeoutMs ?? DAY_MS;
    return (await runTethered(host, { cmd: options.cmd, timeoutMs, onOutput: toTerminal })).exitCode;
  }
  const folder = target.env.workspaceFolder;
  const workdir = options.workdir
    ? containerDir(folder, options.workdir)
    : containerCwd(target.record.worktreePath, folder);
  if (!options.tty && !options.stdin) {
    // Tethered: an interrupted or killed `workspace exec` leaves nothing running in the container.
    const container = { kind: "container" as const, containerId: target.dev.id, user: target.user, workdir };
    const result = await runTethered(
      { ...container, env: [...remoteEnv(target.env), ...extra] },
      { cmd: options.cmd, timeoutMs: options.timeoutMs ?? DAY_MS, onOutput: toTerminal },
    );
    return result.exitCode;
  }
  return execInContainer(await getDocker(), {
    containerId: target.dev.id,
    cmd: options.cmd,
    tty: options.tty,
    stdin: options.stdin,
    user: target.user,
    env: [...remoteEnv(target.env), ...extra],
    workdir,
  });
}

/** The worktree on this machine (`path`, `use`); a remote workspace's is on its host, said so. */
export function localWorktree(ctx: ProjectContext, name: string): string {
  const record = ctx.store.get(name);
  if (record.host)
    throw new NexusError(
      `Workspace "${name}" is on host ${record.host}: its worktree there is ${record.worktreePath}.`,
      {
        category: "validation",
        hint: `Work in it with \`nexus workspace shell ${name}\` or \`nexus workspace exec ${name} -- …\`; bring its commits here with \`nexus workspace pull ${name}\`.`,
      },
    );
  return record.worktreePath;
}

/** `workspace logs`: its containers' output, from whichever engine (this machine's or a host's) runs them. */
export async function workspaceLogs(ctx: ProjectContext, options: LogsOptions): Promise<void> {
  const { streamLogs } = await import("./engine/logs.js");
  return onHost(ctx, options.name, () => streamLogs(ctx, options));
}

const DAY_MS = 24 * 3600_000;

function toTerminal(chunk: Buffer, stream: "stdout" | "stderr"): void {
  (stream === "stderr" ? process.stderr : process.stdout).write(chunk);
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

export function remoteEnv(env: Pick<DevRecord, "remoteEnv">): string[] {
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
function containerCwd(worktree: string, folder = "/workspace", cwd: string = process.cwd()): string {
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
      reject(new CommandNotFoundError(`Cannot run ${cmd[0]}: ${error.message}`, { category: "validation" })),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export interface CaptureOptions {
  /** The command and everything it started are ended after this long (default: a day). */
  timeoutMs?: number;
  /** Aborting ends the command and everything it started. */
  signal?: AbortSignal;
}

export interface Captured {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Like runInWorkspace, but returns the output (stdout and stderr interleaved) instead of printing it
 * (gates, MCP tools). Tethered: a timeout, an abort or Nexus dying ends the command and its children.
 */
export function captureInWorkspace(
  ctx: ProjectContext,
  name: string,
  command: string,
  options: CaptureOptions = {},
): Promise<Captured> {
  return onHost(ctx, name, () => captureIn(ctx, name, command, options));
}

async function captureIn(
  ctx: ProjectContext,
  name: string,
  command: string,
  options: CaptureOptions,
): Promise<Captured> {
  const target = await devTarget(ctx, name);
  const where: RunTarget =
    "dev" in target
      ? {
          kind: "container",
          containerId: target.dev.id,
          user: target.user,
          workdir: target.env.workspaceFolder,
          env: remoteEnv(target.env),
        }
      : { kind: "host", cwd: target.record.worktreePath, env: process.env };
  return captureOn(where, command, options);
}

/** A shell command line where `where` says (a container, or a folder on the host), its output captured. */
export async function captureOn(
  where: RunTarget,
  command: string,
  options: CaptureOptions = {},
): Promise<Captured> {
  const chunks: Buffer[] = [];
  let size = 0;
  const result = await runTethered(where, {
    cmd: ["/bin/sh", "-c", `exec 2>&1\n${command}`],
    timeoutMs: options.timeoutMs ?? DAY_MS,
    signal: options.signal,
    onOutput: (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > MAX_OUTPUT && chunks.length > 1) size -= chunks.shift()!.length;
    },
  });
  return { exitCode: result.exitCode, output: Buffer.concat(chunks).toString(), timedOut: result.timedOut };
}
