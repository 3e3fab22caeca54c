import { execFile } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when `timeoutMs` ran out and the child was killed (exitCode is then 124, as timeout(1) says). */
  timedOut?: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kills the child (SIGKILL) after this many milliseconds; the result then has `timedOut`. */
  timeoutMs?: number;
}

/**
 * Runs a program without a shell and never throws on a non-zero exit: callers decide what a failure
 * means. Every stream of the child has an error handler: a child that exits before reading its input
 * (EPIPE) must never take Nexus down with it.
 */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 0,
        killSignal: "SIGKILL",
      },
      (error, stdout, stderr) => {
        if (error?.killed && options.timeoutMs)
          return resolve({ stdout, stderr, exitCode: 124, timedOut: true });
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ stdout, stderr, exitCode: error ? Number(error.code) : 0 });
      },
    );
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.on("error", ignoreStreamError);
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** EPIPE/ECONNRESET on a child's pipe: the exit code (seen in the callback) tells what happened. */
function ignoreStreamError(): void {}
