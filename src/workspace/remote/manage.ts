import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { NexusError, UsageError } from "../../core/errors.js";
import {
  checkHostLimit,
  checkHostName,
  findHost,
  type Host,
  type HostPaths,
  hostLimit,
  hostPaths,
  parseHostUrl,
  pinKey,
  pinnedKey,
  readHosts,
  updateHosts,
} from "./hosts.js";
import { fingerprintOf, type ScannedKey, scanHostKey, ssh, sshFailure, stopMaster } from "./ssh.js";

export interface AddHostOptions {
  identity?: string;
  /** How many workspaces of one repository `ralph run --hosts` places there (default 4). */
  limit?: number;
  /** The SHA256 fingerprint the user accepts, from a channel they trust. */
  acceptHostKey?: string;
  /** Asked when no fingerprint is given (a terminal): shows it and answers whether to trust it. */
  confirmKey?: (host: Host, key: ScannedKey) => Promise<boolean>;
  paths?: HostPaths;
}

export interface AddedHost {
  host: Host;
  fingerprint: string;
}

/**
 * Registers a host: its key is scanned and pinned only when the user vouches for its fingerprint,
 * then one login proves the key works. Nothing is written unless all of that succeeded.
 */
export async function addHost(name: string, url: string, options: AddHostOptions = {}): Promise<AddedHost> {
  const paths = options.paths ?? hostPaths();
  checkHostName(name);
  if (name === "local")
    throw new UsageError(
      'The host name "local" is taken: `--host local` and `ralph run --hosts` use it for this machine.',
      "Choose another name.",
    );
  const identity = options.identity === undefined ? undefined : resolve(options.identity);
  const parsed = parseHostUrl(name, url, identity);
  const host = options.limit === undefined ? parsed : { ...parsed, limit: checkHostLimit(options.limit) };
  if (identity && !existsSync(identity))
    throw new UsageError(`Identity file not found: ${identity}`, "Give the private key to log in with.");
  checkFingerprintSyntax(options.acceptHostKey);
  if (readHosts(paths).some((h) => h.name === name))
    throw new NexusError(`A host named ${name} exists already.`, {
      category: "conflict",
      hint: `Remove it first (\`nexus host remove ${name}\`), or choose another name.`,
    });
  const scanned = await scanHostKey(host);
  await vouch(host, scanned, options);
  pinKey(paths, name, scanned.key);
  try {
    const login = await ssh(host, "true", { paths });
    if (login.exitCode !== 0) throw sshFailure(host, login);
    updateHosts(paths, (hosts) => hosts.set(name, host));
  } catch (error) {
    pinKey(paths, name, undefined);
    await stopMaster(host, paths);
    throw error;
  }
  return { host, fingerprint: scanned.fingerprint };
}

function checkFingerprintSyntax(fingerprint: string | undefined): void {
  if (fingerprint !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint))
    throw new UsageError(
      "--accept-host-key takes a SHA256 fingerprint (SHA256: and 43 characters).",
      "Copy it from what `nexus host add` printed, or from `ssh-keygen -lf` of the host's key on the host.",
    );
}

async function vouch(host: Host, scanned: ScannedKey, options: AddHostOptions): Promise<void> {
  const retry = `nexus host add ${host.name} ${host.url}${host.identity ? ` --identity ${host.identity}` : ""} --accept-host-key ${scanned.fingerprint}`;
  if (options.acceptHostKey !== undefined) {
    if (options.acceptHostKey === scanned.fingerprint) return;
    throw new NexusError(
      `The host key of ${host.hostname}:${host.port} is ${scanned.fingerprint}, not ${options.acceptHostKey}.`,
      {
        category: "conflict",
        hint: "Do not connect: this is not the host you vouched for, or its key changed. Check the fingerprint on the host (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`).",
      },
    );
  }
  if (options.confirmKey && (await options.confirmKey(host, scanned))) return;
  throw new UsageError(
    `The host key of ${host.hostname}:${host.port} is ${scanned.fingerprint}; Nexus trusts it only when you confirm it.`,
    `Check it on the host (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`), then run: ${retry}`,
  );
}

export interface HostEntry extends Host {
  limit: number;
  fingerprint?: string;
}

export function listHosts(paths: HostPaths = hostPaths()): HostEntry[] {
  return readHosts(paths).map((host) => {
    const key = pinnedKey(paths, host.name);
    return { ...host, limit: hostLimit(host), fingerprint: key ? fingerprintOf(key) : undefined };
  });
}

/** Forgets a host: its entry, its pinned key and its master connection. Nothing on the host changes. */
export async function removeHost(name: string, paths: HostPaths = hostPaths()): Promise<Host> {
  const host = findHost(name, paths);
  await stopMaster(host, paths);
  updateHosts(paths, (hosts) => hosts.delete(name));
  pinKey(paths, name, undefined);
  return host;
}
