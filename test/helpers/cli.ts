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
