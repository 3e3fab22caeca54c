import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDir } from "../../core/atomic.js";
import { NexusError } from "../../core/errors.js";
import { type RunResult, run } from "../../core/process.js";
import { type Host, type HostPaths, hostPaths, keyAlias } from "./hosts.js";

const CONNECT_TIMEOUT_S = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Unix socket paths hold at most 107 bytes, and ssh first binds a master's socket under a temporary
 * name (`cm-<40 hex>.<16 random>`): a longer NEXUS_HOME puts the control sockets in /tmp instead.
 */
export function controlDir(paths: HostPaths = hostPaths()): string {
  const socket = join(paths.dir, `cm-${"x".repeat(40)}.${"x".repeat(16)}`);
  if (Buffer.byteLength(socket) <= 107) return paths.dir;
  return join(tmpdir(), `nexus-cm-${process.getuid?.() ?? "user"}`);
}

/**
 * Options for every ssh call: no user config (`-F none`: ~/.ssh/config cannot change the target),
 * key only, host key checked against Nexus's own known_hosts, and one master connection per host
 * shared by successive calls for 60 s. ssh keeps the FIRST value given for an option: a caller that
 * needs another value (tunnel.ts) puts its `-o` before these.
 */
export function sshArgs(host: Host, paths: HostPaths = hostPaths()): string[] {
  const options = [
    "BatchMode=yes",
    "StrictHostKeyChecking=yes",
    `UserKnownHostsFile=${quoted(paths.knownHosts)}`,
    "GlobalKnownHostsFile=/dev/null",
    `HostKeyAlias=${keyAlias(host.name)}`,
    "PasswordAuthentication=no",
    "KbdInteractiveAuthentication=no",
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    "ServerAliveInterval=15",
    "ControlMaster=auto",
    `ControlPath=${quoted(join(controlDir(paths), "cm-"))}%C`,
    "ControlPersist=60s",
    // A master that starts replaces a socket file left by one that ended (hostEngineSocket's forward).
    "StreamLocalBindUnlink=yes",
  ];
  if (host.identity) options.push("IdentitiesOnly=yes", `IdentityFile=${quoted(host.identity)}`);
  return ["-F", "none", ...options.flatMap((o) => ["-o", o]), "-p", String(host.port), "-l", host.user];
}

/** A path as one ssh option value: spaces kept together, `%` not read as a token. */
function quoted(path: string): string {
  return `"${path.replaceAll("%", "%%")}"`;
}

export interface SshOptions {
  timeoutMs?: number;
  paths?: HostPaths;
}

/**
 * The control sockets' folder, made 0700; in /tmp (a long NEXUS_HOME) another user could have made it
 * first and would then own our master connections: only a folder that is ours and closed is used.
 */
export function ownControlDir(paths: HostPaths = hostPaths()): string {
  const dir = controlDir(paths);
  ensureDir(dir, 0o700);
  const info = lstatSync(dir);
  const mine = info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) === 0;
  if (!mine && process.getuid)
    throw new NexusError(
      `${dir} is not a folder of yours closed to others; Nexus keeps its ssh connections there.`,
      {
        category: "environment",
        hint: `Remove it (rm -r ${dir}) or set NEXUS_HOME to a shorter path; Nexus makes it again.`,
      },
    );
  return dir;
}

/** Runs `command` (a fixed shell command, never user text) on the host; never throws on its exit code. */
export async function ssh(host: Host, command: string, options: SshOptions = {}): Promise<RunResult> {
  const paths = options.paths ?? hostPaths();
  ownControlDir(paths);
  const args = [...sshArgs(host, paths), "--", host.hostname, command];
  return run("ssh", args, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

/** Ends the host's master connection, if one is open (after `host remove`, or a changed key). */
export async function stopMaster(host: Host, paths: HostPaths = hostPaths()): Promise<void> {
  await run("ssh", [...sshArgs(host, paths), "-O", "exit", "--", host.hostname], { timeoutMs: 5_000 });
}

/** What went wrong with an ssh call that ended with 255 (ssh's own failure), as a typed error. */
export function sshFailure(host: Host, result: RunResult): NexusError {
  const where = `${host.name} (${host.user}@${host.hostname}:${host.port})`;
  const said = result.stderr.trim().split("\n").filter(Boolean).pop() ?? "";
  if (result.timedOut)
    return new NexusError(`${where} did not answer in time.`, {
      category: "timeout",
      hint: "Check that the host is up and reachable (network, VPN, firewall), then run `nexus host check` again.",
    });
  if (/IDENTIFICATION HAS CHANGED|Host key verification failed|key for .* has changed/i.test(result.stderr))
    return new NexusError(`The host key of ${where} is not the one Nexus pinned.`, {
      category: "conflict",
      hint: `If the host was reinstalled, confirm its new key with its administrator, then \`nexus host remove ${host.name}\` and \`nexus host add ${host.name} ${host.url}\` again. Otherwise someone may be intercepting the connection: do not use it.`,
    });
  if (/Permission denied/i.test(result.stderr))
    return new NexusError(`${where} refused the login: ${said}`, {
      category: "environment",
      hint: `Add your public key to ~${host.user}/.ssh/authorized_keys on the host, or pass the matching key with \`--identity FILE\`.`,
    });
  return new NexusError(`Cannot reach ${where}: ${said || `ssh exited with ${result.exitCode}`}`, {
    category: "environment",
    hint: "Check the address and port, and that sshd runs on the host; then run `nexus host check` again.",
  });
}

export interface ScannedKey {
  /** "ssh-ed25519 AAAA…" */
  key: string;
  fingerprint: string;
}

/** The SHA256 fingerprint of a public key, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(key: string): string {
  const blob = Buffer.from(key.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

const PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "ssh-rsa"];

/** The host's key (ed25519 preferred), asked for with ssh-keyscan: not trusted, only shown. */
export async function scanHostKey(host: Host): Promise<ScannedKey> {
  const result = await run(
    "ssh-keyscan",
    ["-T", "5", "-p", String(host.port), "-t", "ed25519,ecdsa,rsa", "--", host.hostname],
    { timeoutMs: 15_000 },
  ).catch((error: Error) => {
    throw new NexusError(`Cannot run ssh-keyscan: ${error.message}`, {
      category: "environment",
      hint: "Install the OpenSSH client (e.g. `apt-get install openssh-client`).",
    });
  });
  const keys = result.stdout
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(" ").slice(1, 3).join(" "));
  const rank = (key: string) => PREFERENCE.indexOf(key.split(" ")[0] ?? "") + 1 || 99;
  const key = keys.sort((a, b) => rank(a) - rank(b))[0];
  if (!key)
    throw new NexusError(`${host.hostname}:${host.port} did not show an SSH host key.`, {
      category: "environment",
      hint: "Check the address and port, and that sshd runs on the host.",
    });
  return { key, fingerprint: fingerprintOf(key) };
}
