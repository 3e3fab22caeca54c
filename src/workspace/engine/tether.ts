import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { Writable } from "node:stream";
import { PassThroughExit } from "../../core/errors.js";
import { engineGet, engineHijack, enginePost, engineSocket } from "./engine-api.js";
import { demultiplex } from "./exec.js";

/**
 * Runs `"$@"` in the wrapper's process group and ends that whole group when the wrapper's standard input
 * reaches EOF: Nexus closes it on a timeout or an interrupt, and the kernel (on the host) or the Engine
 * (in a container) closes it when Nexus dies, even by SIGKILL with no handler run. Then: TERM to the
 * group, and KILL to it (the wrapper included, so its end is the group's) once the command is gone or
 * 2 s have passed. The command reads `$1` (a file, /dev/null by default) as its standard input. When
 * the command ends by itself, what it left in the group gets TERM.
 */
export const TETHER_SCRIPT = [
  "exec 3<&0",
  'in=$1; shift; "$@" <"$in" 3<&- &',
  "pid=$!",
  "{ while read -r _; do :; done <&3; trap '' TERM; kill -TERM 0; i=0",
  '  while [ "$i" -lt 20 ] && kill -0 "$pid"; do sleep 0.1; i=$((i + 1)); done',
  "  kill -KILL 0; } >/dev/null 2>&1 &",
  "watcher=$!",
  "trap '' TERM",
  'wait "$pid"; code=$?',
  "kill -TERM 0 2>/dev/null",
  'wait "$watcher" 2>/dev/null',
  'exit "$code"',
].join("\n");

/** Where a tethered command runs: a container (through the Engine's exec) or the host. */
export type RunTarget =
  | { kind: "container"; containerId: string; user: string; workdir: string; env: string[] }
  | { kind: "host"; cwd: string; env: NodeJS.ProcessEnv };

export interface TetheredOptions {
  cmd: string[];
  /** A file, as the command sees it, that becomes its standard input; /dev/null when absent. */
  stdinFile?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onOutput: (chunk: Buffer, stream: "stdout" | "stderr") => void;
}

export interface TetheredResult {
  exitCode: number;
  timedOut: boolean;
  interrupted: boolean;
}

/** After the group is told to end (TERM, then KILL at 2 s), how long before Nexus stops waiting for it. */
const FORCE_AFTER_MS = 5000;

/** The argv that runs `cmd` under the tether. */
function tetheredArgv(cmd: string[], stdinFile = "/dev/null"): string[] {
  return ["/bin/sh", "-c", TETHER_SCRIPT, "nexus-tether", stdinFile, ...cmd];
}

/** Runs a command that ends with its timeout, its signal, or Nexus itself, leaving no process behind. */
export function runTethered(target: RunTarget, options: TetheredOptions): Promise<TetheredResult> {
  return target.kind === "host" ? onHost(target, options) : inContainer(target, options);
}

interface Ending {
  timedOut: boolean;
  interrupted: boolean;
  /** Stops the timer and the signal listener; call once the command has ended. */
  done(): void;
}

/** Closes the tether at the timeout or on the signal, and forces the end if the group lingers. */
function watchEnd(options: TetheredOptions, close: () => void, force: () => void): Ending {
  let forceTimer: NodeJS.Timeout | undefined;
  const end = (why: "timedOut" | "interrupted") => {
    if (ending.timedOut || ending.interrupted) return;
    ending[why] = true;
    close();
    forceTimer = setTimeout(force, FORCE_AFTER_MS);
  };
  const timer = setTimeout(() => end("timedOut"), options.timeoutMs);
  const onAbort = () => end("interrupted");
  const ending: Ending = {
    timedOut: false,
    interrupted: false,
    done: () => {
      clearTimeout(timer);
      clearTimeout(forceTimer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  return ending;
}

function onHost(
  target: Extract<RunTarget, { kind: "host" }>,
  options: TetheredOptions,
): Promise<TetheredResult> {
  const [file, ...args] = tetheredArgv(options.cmd, options.stdinFile);
  return new Promise((resolve) => {
    // Its own process group (detached): the group the wrapper ends is the command's alone.
    const child = spawn(file!, args, { cwd: target.cwd, env: target.env, stdio: "pipe", detached: true });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const ending = watchEnd(options, () => child.stdin.end(), killGroup);
    child.stdin.on("error", () => undefined);
    child.stdout.on("data", (c: Buffer) => options.onOutput(c, "stdout"));
    child.stderr.on("data", (c: Buffer) => options.onOutput(c, "stderr"));
    const finish = (exitCode: number) => {
      ending.done();
      resolve({ exitCode, timedOut: ending.timedOut, interrupted: ending.interrupted });
    };
    child.on("error", (error) => {
      options.onOutput(Buffer.from(`nexus: cannot start ${options.cmd[0]}: ${error.message}\n`), "stderr");
      finish(PassThroughExit.commandNotFound);
    });
    child.on("close", (code, signal) =>
      finish(code ?? 128 + (signal ? (constants.signals[signal] ?? 15) : 1)),
    );
  });
}

async function inContainer(
  target: Extract<RunTarget, { kind: "container" }>,
  options: TetheredOptions,
): Promise<TetheredResult> {
  const { Id } = await enginePost<{ Id: string }>(`/containers/${target.containerId}/exec`, {
    Cmd: tetheredArgv(options.cmd, options.stdinFile),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    WorkingDir: target.workdir,
    Env: target.env,
    User: target.user,
  });
  const socket = await attach(Id);
  const sink = (stream: "stdout" | "stderr") =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        options.onOutput(chunk, stream);
        callback();
      },
    });
  const onData = demultiplex(sink("stdout"), sink("stderr"));
  const ending = watchEnd(
    options,
    () => socket.end(),
    () => socket.destroy(),
  );
  await new Promise<void>((resolve) => {
    socket.on("data", onData);
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.on("end", () => resolve());
  });
  ending.done();
  socket.destroy();
  const info = await engineGet<{ ExitCode: number | null; Running: boolean }>(`/exec/${Id}/json`);
  const exitCode = info.Running ? PassThroughExit.SIGKILL : (info.ExitCode ?? 1);
  return { exitCode, timedOut: ending.timedOut, interrupted: ending.interrupted };
}

/** The exec's two-way stream: the raw socket over the unix socket, dockerode's hijacked stream otherwise. */
async function attach(execId: string): Promise<Socket> {
  const socketPath = engineSocket();
  if (socketPath) return engineHijack(socketPath, `/exec/${execId}/start`, { Detach: false, Tty: false });
  const { loadDocker } = await import("./docker.js");
  const exec = (await loadDocker()).getExec(execId);
  return (await exec.start({ hijack: true, stdin: true, Detach: false, Tty: false })) as unknown as Socket;
}
