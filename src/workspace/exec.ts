import type { Writable } from "node:stream";
import type { Docker } from "./docker.js";

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

/** Runs a command in a container through the Engine API and resolves with its exit code. */
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
  return info.ExitCode ?? 1;
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
