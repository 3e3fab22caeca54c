import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { NexusError } from "../../../core/errors.js";

/** What one run of the devcontainers CLI printed. */
export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface CliRunOptions {
  timeoutMs: number;
  onLine?: (line: string) => void;
  /** Give up sooner while the last line matches `pattern` and nothing new came for `ms` (a hung fetch). */
  stall?: { pattern: RegExp; ms: number };
}

/** Runs the devcontainers CLI with these arguments: injected so tests can count and fake its runs. */
export type CliRunner = (args: string[], options: CliRunOptions) => Promise<CliResult>;

let cliPath: string | undefined;

/** The CLI's own JS entry in node_modules (never a global `devcontainer`), and its version. */
export function devcontainerCli(): { path: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("@devcontainers/cli/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
    version: string;
    bin: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.devcontainer;
  if (!bin) throw new NexusError("@devcontainers/cli has no 'devcontainer' bin in its package.json");
  cliPath ??= join(dirname(manifestPath), bin);
  return { path: cliPath, version: manifest.version };
}

/** `[2026-11-25T08:53:48.015Z] text` → `text`: the CLI stamps every log line. */
export function stripStamp(line: string): string {
  return line.replace(/^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] ?/, "");
}

/**
 * Runs `node <cli> ...args` with `process.execPath`; never throws on a non-zero exit. A run that
 * outlives `timeoutMs` is killed (SIGTERM, then SIGKILL) and reported as `timedOut`. Every child
 * stream has an error handler, stderr is kept for error messages and streamed to `onLine`.
 */
export const runDevcontainerCli: CliRunner = (args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [devcontainerCli().path, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    const out = { stdout: "", stderr: "", pending: "", timedOut: false };
    const kill = () => {
      out.timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
    };
    const timer = setTimeout(kill, options.timeoutMs);
    const stall = stallWatch(options, kill);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out.stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      out.stderr += chunk;
      const lines = (out.pending + chunk).split("\n");
      out.pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) options.onLine?.(stripStamp(line));
      stall.saw(lines.filter((line) => line.trim()).at(-1));
    });
    for (const stream of [child.stdout, child.stderr]) stream.on("error", () => {});
    child.on("error", (error) => {
      clearTimeout(timer);
      stall.stop();
      reject(new NexusError(`Could not start the devcontainers CLI: ${error.message}`, { cause: error }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      stall.stop();
      if (out.pending.trim()) options.onLine?.(stripStamp(out.pending));
      resolve({ exitCode: code ?? 1, stdout: out.stdout, stderr: out.stderr, timedOut: out.timedOut });
    });
  });

/** Calls `kill` when the last line seen matches the stall pattern and no line follows within its time. */
function stallWatch(options: CliRunOptions, kill: () => void) {
  let timer: NodeJS.Timeout | undefined;
  return {
    saw(line: string | undefined) {
      if (!options.stall || line === undefined) return;
      clearTimeout(timer);
      timer = options.stall.pattern.test(stripStamp(line)) ? setTimeout(kill, options.stall.ms) : undefined;
    },
    stop: () => clearTimeout(timer),
  };
}

/** The last JSON object the CLI printed on stdout (its result), or undefined. */
export function lastJson(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {}
  }
  return undefined;
}
