/**
 * Shell commands on a host: fixed text plus values quoted by `shq` (never raw user text), one error
 * shape for every failure (ssh's own → sshFailure; git missing → "install git"; anything else → the
 * remote's last words, control characters stripped), and input streamed to a remote command.
 */
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { NexusError } from "../../core/errors.js";
import { SAFE_GIT_CONFIG } from "../../core/git-guard.js";
import { type RunResult, run } from "../../core/process.js";
import { type Host, type HostPaths, hostPaths } from "./hosts.js";
import { ownControlDir, ssh, sshArgs, sshFailure } from "./ssh.js";

/** Small commands; a push or a copy of a big repository gets LONG_MS. */
const SHORT_MS = 30_000;
export const LONG_MS = 10 * 60_000;
/** The exit status a script uses to say "git is not installed here". */
const NO_GIT = 97;
/** Prefix of every script that needs git on the host. */
export const NEEDS_GIT = `git --version >/dev/null 2>&1 || exit ${NO_GIT}; `;

/** One value as one shell word: single quotes, an embedded quote as '\''. */
export function shq(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The last lines a remote (or git) wrote, safe to show: no escape sequences, no control characters. */
export function said(text: string, lines = 3): string {
  return stripVTControlCharacters(text)
    .replace(/[^\P{Cc}\n]/gu, "")
    .split("\n")
    .map((l) => l.replace(/^(fatal|error|remote): /, "").trim())
    .filter(Boolean)
    .slice(-lines)
    .join(" / ");
}

export interface RemoteRun {
  /** What was being done, for the message: "make the mirror". */
  what: string;
  hint?: string;
  timeoutMs?: number;
  paths?: HostPaths;
  /** Exit codes that are not failures (the caller reads them). */
  allow?: number[];
}

/** Runs a fixed script on the host; a failure is a typed error naming the host and what to do. */
export async function remote(host: Host, script: string, options: RemoteRun): Promise<RunResult> {
  const result = await ssh(host, script, { timeoutMs: options.timeoutMs ?? SHORT_MS, paths: options.paths });
  if (result.exitCode === 0 || options.allow?.includes(result.exitCode)) return result;
  throw remoteFailure(host, result, options);
}

export function remoteFailure(host: Host, result: RunResult, options: RemoteRun): NexusError {
  if (result.exitCode === 255 || result.timedOut) return sshFailure(host, result);
  if (result.exitCode === NO_GIT)
    return new NexusError(`git is not installed on host ${host.name}; Nexus needs it to ${options.what}.`, {
      category: "environment",
      hint: `Install git on ${host.name} (e.g. \`apt-get install git\`), then run \`nexus host check ${host.name}\`.`,
    });
  const words = said(result.stderr) || `exit code ${result.exitCode}`;
  return new NexusError(`Could not ${options.what} on host ${host.name}: ${words}`, {
    category: "git",
    hint:
      options.hint ??
      `Run \`nexus host check ${host.name}\` and fix what it reports (disk, permissions, git), then retry.`,
  });
}

/** The environment for a local git command that reaches the host with Nexus's own ssh options. */
function gitSshEnv(host: Host, paths: HostPaths = hostPaths()): NodeJS.ProcessEnv {
  ownControlDir(paths);
  const command = ["ssh", ...sshArgs(host, paths)].map(shq).join(" ");
  return { ...process.env, GIT_SSH_COMMAND: command, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

/** An ssh:// URL git passes to GIT_SSH_COMMAND as just the host name (user and port are in sshArgs). */
export function gitUrl(host: Host, path: string): string {
  const name = host.hostname.includes(":") ? `[${host.hostname}]` : host.hostname;
  return `ssh://${name}${path}`;
}

/** Runs `script` on the host with `input` as its stdin (a stream: tar output, a file); never throws on exit. */
export function sshWithInput(
  host: Host,
  script: string,
  input: Readable,
  options: { timeoutMs: number; paths?: HostPaths },
): Promise<RunResult> {
  const paths = options.paths ?? hostPaths();
  ownControlDir(paths);
  const child = spawn("ssh", [...sshArgs(host, paths), "--", host.hostname, script], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let [stdout, stderr, timedOut] = ["", "", false];
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.on("error", () => undefined);
  input.on("error", (error) => {
    stderr += `\n${error.message}`;
    child.kill("SIGKILL");
  });
  input.pipe(child.stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: timedOut ? 124 : (code ?? 255), timedOut: timedOut || undefined });
    });
  });
}

/**
 * A local git command that talks to the host (push, fetch), with a long timeout. When it fails, one
 * `ssh true` tells a host that cannot be reached (sshFailure) from a refusal by git.
 */
export async function gitOverSsh(
  host: Host,
  root: string,
  args: string[],
  paths?: HostPaths,
): Promise<RunResult> {
  const env = gitSshEnv(host, paths);
  const result = await run("git", [...SAFE_GIT_CONFIG, ...args], { cwd: root, env, timeoutMs: LONG_MS });
  if (result.exitCode === 0) return result;
  if (result.timedOut) throw sshFailure(host, result);
  const reach = await ssh(host, "true", { paths, timeoutMs: SHORT_MS });
  if (reach.exitCode !== 0) throw sshFailure(host, reach);
  if (/git-(receive|upload)-pack:.*not found/i.test(result.stderr))
    throw remoteFailure(host, { ...result, exitCode: NO_GIT }, { what: `run git ${args[0]}` });
  return result;
}
