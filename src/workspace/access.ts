import { spawn } from "node:child_process";
import { relative, sep } from "node:path";
import { Writable } from "node:stream";
import { NexusError } from "../core/errors.js";
import { listServices } from "./containers.js";
import type { ProjectContext } from "./context.js";
import { getDocker } from "./docker.js";
import { execInContainer } from "./exec.js";
import { templateFor } from "./manager.js";

export interface RunInWorkspaceOptions {
  name: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
}

/** Runs a command in the dev container (or, for a workspace without one, in its worktree) and returns its exit code. */
export async function runInWorkspace(ctx: ProjectContext, options: RunInWorkspaceOptions): Promise<number> {
  const record = ctx.store.get(options.name);
  const template = templateFor(ctx, record.template);
  if (!template?.devService) return runOnHost(record.worktreePath, options.cmd);
  const docker = await getDocker();
  const dev = (await listServices(docker, { repoId: ctx.repoId, workspace: record.name })).find(
    (s) => s.service === template.devService,
  );
  if (dev?.state !== "running") {
    throw new NexusError(`Workspace "${record.name}" has no running dev container.`, {
      category: "docker",
      hint: `Start it with \`nexus workspace up ${record.name}\`.`,
    });
  }
  return execInContainer(docker, {
    containerId: dev.id,
    cmd: options.cmd,
    tty: options.tty,
    stdin: options.stdin,
    workdir: containerCwd(record.worktreePath),
  });
}

/** The current directory's place inside the worktree, as seen under /workspace in the container. */
export function containerCwd(worktree: string, cwd: string = process.cwd()): string {
  const rel = relative(worktree, cwd);
  if (!rel || rel.startsWith("..")) return "/workspace";
  return `/workspace/${rel.split(sep).join("/")}`;
}

export function runOnHost(cwd: string, cmd: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd,
      stdio: "inherit",
      env: { ...process.env, NEXUS_WORKSPACE_PATH: cwd },
    });
    child.on("error", (error) =>
      reject(
        new NexusError(`Cannot run ${cmd[0]}: ${error.message}`, { category: "validation", exitCode: 127 }),
      ),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export interface LogsOptions {
  name: string;
  service?: string;
  follow?: boolean;
  tail?: number;
}

/** Prints container logs, each line prefixed with its service when several are shown. */
export async function streamLogs(ctx: ProjectContext, options: LogsOptions): Promise<void> {
  ctx.store.get(options.name);
  const docker = await getDocker();
  const services = (await listServices(docker, { repoId: ctx.repoId, workspace: options.name })).filter(
    (s) => !options.service || s.service === options.service,
  );
  if (services.length === 0) {
    throw new NexusError(
      options.service
        ? `No service "${options.service}" in ${options.name}.`
        : `Workspace ${options.name} has no containers.`,
      {
        category: "not_found",
        hint: `See \`nexus workspace status ${options.name}\`.`,
      },
    );
  }
  const prefix = services.length > 1;
  await Promise.all(
    services.map(async (s) => {
      const container = docker.getContainer(s.id);
      const base = {
        stdout: true,
        stderr: true,
        ...(options.tail === undefined ? {} : { tail: options.tail }),
      };
      const out = prefixer(prefix ? `${s.service} | ` : "", process.stdout);
      const err = prefixer(prefix ? `${s.service} | ` : "", process.stderr);
      if (!options.follow) return demuxBuffer(await container.logs({ ...base, follow: false }), out, err);
      const stream = await container.logs({ ...base, follow: true });
      docker.modem.demuxStream(stream, out, err);
      await new Promise((resolve) => stream.on("end", resolve));
    }),
  );
}

type LineWriter = { write(chunk: Buffer | string): boolean };

function prefixer(prefix: string, target: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString();
      const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
      target.write(prefix ? lines.map((l) => `${prefix}${l}\n`).join("") : text);
      done();
    },
  });
}

/** Docker's multiplexed log format: 8-byte header (stream type, 3 zero bytes, uint32 length) per frame. */
export function demuxBuffer(buffer: Buffer, stdout: LineWriter, stderr: LineWriter): void {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + length);
    (type === 2 ? stderr : stdout).write(frame);
    offset += 8 + length;
  }
}

/** Like runInWorkspace, but returns the output instead of printing it (for MCP tools). */
export async function captureInWorkspace(
  ctx: ProjectContext,
  name: string,
  command: string,
): Promise<{ exitCode: number; output: string }> {
  const record = ctx.store.get(name);
  const template = templateFor(ctx, record.template);
  if (!template?.devService) {
    const { run } = await import("../core/process.js");
    const result = await run("/bin/sh", ["-c", `exec 2>&1\n${command}`], { cwd: record.worktreePath });
    return { exitCode: result.exitCode, output: result.stdout };
  }
  const docker = await getDocker();
  const dev = (await listServices(docker, { repoId: ctx.repoId, workspace: name })).find(
    (s) => s.service === template.devService,
  );
  if (dev?.state !== "running") {
    throw new NexusError(`Workspace "${name}" has no running dev container.`, {
      category: "docker",
      hint: `Start it with \`nexus workspace up ${name}\`.`,
    });
  }
  const { PassThrough } = await import("node:stream");
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const exitCode = await execInContainer(docker, {
    containerId: dev.id,
    cmd: ["/bin/sh", "-c", command],
    workdir: "/workspace",
    stdout: out,
    stderr: out,
  });
  return { exitCode, output: Buffer.concat(chunks).toString() };
}
