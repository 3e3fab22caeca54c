import { execFile } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
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
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
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
