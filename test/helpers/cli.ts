import { execFile } from "node:child_process";
import { main } from "../../src/program.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in-process (so coverage sees it), in `cwd`, capturing what it prints. */
export async function runCli(args: string[], cwd: string): Promise<CliResult> {
  const previous = process.cwd();
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) =>
    out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) =>
    err.push(String(chunk)) > 0) as typeof process.stderr.write;
  process.exitCode = undefined;
  process.chdir(cwd);
  try {
    const code = await main(["node", "nexus", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.chdir(previous);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = undefined;
  }
}

/** Runs the built CLI (dist/cli.js) as a real separate process, as users and git's merge driver do. */
export function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const cli = new URL("../../dist/cli.js", import.meta.url).pathname;
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** `ralph run ID` with a scripted agent on the host and no containers: tests about the loop itself. */
export function ralphOnHost(
  repo: string,
  id: string,
  agentCmd: string,
  ...extra: string[]
): Promise<CliResult> {
  return runCli(
    ["ralph", "run", id, "--template", "none", "--on-host", "--agent-cmd", agentCmd, ...extra],
    repo,
  );
}
