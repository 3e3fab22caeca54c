import { Writable } from "node:stream";
import { ExitCode } from "../../core/errors.js";
import { type Docker, loadDocker } from "./docker.js";
import { engineGet, enginePost, engineSocket, engineStream } from "./engine-api.js";

export interface ExecOptions {
  containerId: string;
  cmd: string[];
  /** Attach the terminal: raw stdin, resize, one combined stream. */
  tty?: boolean;
  /** Forward our stdin to the command. */
  stdin?: boolean;
  workdir?: string;
  env?: string[];
  /** `uid:gid` or a user name; the image's user when absent. */
  user?: string;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * A command in a container without a terminal or stdin (setup, health probes, post-create commands),
 * resolving with its exit code. Over the unix socket: three Engine API calls with node:http, so
 * `create` and `up` never load dockerode (~0.12 s of CPU beside Compose; `npm run bench`). Other
 * hosts (tcp://, ssh://) go through dockerode. A command still running after `timeoutMs` counts as failed.
 */
export async function runInContainer(
  options: Omit<ExecOptions, "tty" | "stdin"> & { timeoutMs?: number },
): Promise<number> {
  const socketPath = engineSocket();
  if (!socketPath) return execInContainer(await loadDocker(), options);
  const { Id } = await enginePost<{ Id: string }>(`/containers/${options.containerId}/exec`, {
    Cmd: options.cmd,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    WorkingDir: options.workdir,
    Env: options.env,
    User: options.user,
  });
  const onData = demultiplex(options.stdout ?? process.stdout, options.stderr ?? process.stderr);
  const timeoutMs = options.timeoutMs ?? 24 * 3600_000;
  await engineStream(socketPath, {
    path: `/exec/${Id}/start`,
    body: { Detach: false, Tty: false },
    onData,
    timeoutMs,
  });
  const info = await engineGet<{ ExitCode: number | null; Running: boolean }>(`/exec/${Id}/json`);
  return info.Running ? ExitCode.failure : (info.ExitCode ?? ExitCode.failure);
}

/** A sink for output nobody shows (a probe's, MCP's: stdio is its protocol). */
export function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** The Engine's multiplexed output: frames of [stream (1 out, 2 err), 0, 0, 0, length (uint32 BE)] + bytes. */
export function demultiplex(stdout: Writable, stderr: Writable): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      (pending[0] === 2 ? stderr : stdout).write(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  };
}

/** Runs a command in a container through dockerode (a terminal, stdin) and resolves with its exit code. */
export async function execInContainer(docker: Docker, options: ExecOptions): Promise<number> {
  const container = docker.getContainer(options.containerId);
  const exec = await container.exec({
    Cmd: options.cmd,
    AttachStdin: Boolean(options.stdin),
    AttachStdout: true,
    AttachStderr: true,
    Tty: Boolean(options.tty),
    WorkingDir: options.workdir,
    Env: options.env,
    User: options.user,
  });
  const stream = await exec.start({ hijack: true, stdin: Boolean(options.stdin), Tty: Boolean(options.tty) });
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const restore = options.tty ? attachTerminal(exec, stream) : () => {};
  if (options.tty) stream.pipe(stdout, { end: false });
  else docker.modem.demuxStream(stream, stdout, stderr);
  if (options.stdin && !options.tty) process.stdin.pipe(stream);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
  } finally {
    restore();
    if (options.stdin) process.stdin.unpipe(stream);
  }
  const info = await exec.inspect();
  return info.ExitCode ?? ExitCode.failure;
}

function attachTerminal(
  exec: { resize(o: { h: number; w: number }): Promise<unknown> },
  stream: NodeJS.ReadWriteStream,
): () => void {
  const stdin = process.stdin;
  const resize = () => {
    exec.resize({ h: process.stdout.rows ?? 24, w: process.stdout.columns ?? 80 }).catch(() => {});
  };
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();
  stdin.pipe(stream);
  process.stdout.on("resize", resize);
  resize();
  return () => {
    process.stdout.off("resize", resize);
    stdin.unpipe(stream);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  };
}
