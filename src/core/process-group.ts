import { spawn } from "node:child_process";

export interface GroupRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface GroupRunResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
  interrupted: boolean;
}

/** How much output a run keeps: the tail is what is recorded and shown. */
const KEEP_CHARS = 256 * 1024;
/** After SIGTERM, how long a command has to stop before SIGKILL. */
const GRACE_MS = 2000;

/**
 * The command runs under a small sh in a process group of its own, with our pipe as the sh's stdin.
 * The sh kills the whole group when that pipe closes: when Nexus dies, even by SIGKILL (no handler
 * of ours runs then), the kernel closes the pipe and nothing is left behind. The command itself gets
 * /dev/null as stdin. Exported for the dev container's exec, which uses the same wrapper.
 */
export const WATCHDOG_SCRIPT = [
  // An asynchronous list's stdin is /dev/null in sh: the watchdog reads our pipe through fd 3.
  "exec 2>&1 3<&0",
  '(exec /bin/sh -c "$1") </dev/null 3<&- &',
  "child=$!",
  "(read -r _ <&3; trap '' TERM; kill -TERM 0; sleep 2; kill -KILL 0) &",
  "watchdog=$!",
  'wait "$child"',
  "code=$?",
  'kill "$watchdog" 2>/dev/null',
  'exit "$code"',
].join("\n");

/**
 * Runs a shell command line with its output combined, ends it (the whole process group) at
 * `timeoutMs` or when `signal` aborts, and never leaves a process behind.
 */
export function runShellGroup(command: string, options: GroupRunOptions): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, "nexus-gate", command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const state = { timedOut: false, interrupted: false };
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-KEEP_CHARS);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.stdin.on("error", () => undefined);
    const stop = stopper(child.pid);
    const timer = setTimeout(() => {
      state.timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      state.interrupted = true;
      stop();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (exitCode: number) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ exitCode, output, ...state });
    };
    child.on("error", (error) => {
      collect(Buffer.from(`nexus: cannot start /bin/sh: ${error.message}\n`));
      finish(127);
    });
    child.on("close", (code, signal) => {
      // The command's group may outlive the wrapper (it ignored SIGTERM): make sure it is gone.
      killGroup(child.pid, "SIGKILL");
      finish(code ?? (signal ? 128 + (signalNumber(signal) ?? 15) : 1));
    });
  });
}

/** SIGTERM to the group, then SIGKILL to whatever is left after the grace period. */
function stopper(pid: number | undefined): () => void {
  let stopping = false;
  return () => {
    if (stopping) return;
    stopping = true;
    killGroup(pid, "SIGTERM");
    setTimeout(() => killGroup(pid, "SIGKILL"), GRACE_MS).unref();
  };
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid) process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string];
}
