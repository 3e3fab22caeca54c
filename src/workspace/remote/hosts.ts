import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import { ensureDir, writeAtomic } from "../../core/atomic.js";
import { NexusError, NotFoundError, preview, UsageError } from "../../core/errors.js";
import { withLock } from "../../core/lock.js";
import { nexusHome } from "../../core/paths.js";

/** A remote Docker host as the user registered it (in ~/.nexus/config.yaml, never in a repository). */
export interface Host {
  name: string;
  url: string;
  user: string;
  hostname: string;
  port: number;
  identity?: string;
  /** How many workspaces of one repository `ralph run --hosts` places on it (DEFAULT_HOST_LIMIT when unset). */
  limit?: number;
}

export const DEFAULT_HOST_LIMIT = 4;
const MAX_HOST_LIMIT = 1000;

export function hostLimit(host: { limit?: number }): number {
  return host.limit ?? DEFAULT_HOST_LIMIT;
}

export interface HostPaths {
  /** The user's config file: `hosts:` is one of its sections. */
  config: string;
  /** Pinned host keys, control sockets. */
  dir: string;
  knownHosts: string;
}

export function hostPaths(): HostPaths {
  const dir = join(nexusHome(), "hosts");
  return { config: join(nexusHome(), "config.yaml"), dir, knownHosts: join(dir, "known_hosts") };
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function checkHostName(name: string): void {
  if (!NAME.test(name))
    throw new UsageError(
      `Invalid host name ${preview(name)}.`,
      "A host name is 1 to 32 lowercase letters, digits and dashes, starting with a letter (e.g. `build-1`).",
    );
}

const URL_HINT = "Give the host as ssh://USER@HOST or ssh://USER@HOST:PORT (e.g. ssh://dev@10.0.0.5:22).";
/** A DNS name, an IPv4 address or a bracketed IPv6 address; never something ssh reads as an option. */
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** ssh://user@host[:port], nothing else: no password, path, query or fragment. */
export function parseHostUrl(name: string, url: string, identity?: string): Host {
  const match = /^ssh:\/\/([^@/?#:]+)@([^/?#]+?)(?::(\d{1,5}))?\/?$/.exec(url);
  const [, user, hostname, portText] = match ?? [];
  if (!user || !hostname) throw new UsageError(`Invalid host URL ${preview(url)}.`, URL_HINT);
  if (!USER.test(user)) throw new UsageError(`Invalid user ${preview(user)} in ${preview(url)}.`, URL_HINT);
  if (!HOSTNAME.test(hostname))
    throw new UsageError(`Invalid host ${preview(hostname)} in ${preview(url)}.`, URL_HINT);
  const port = portText === undefined ? 22 : Number(portText);
  if (port < 1 || port > 65535) throw new UsageError(`Invalid port ${port} in ${preview(url)}.`, URL_HINT);
  return { name, url, user, hostname: hostname.replace(/^\[|\]$/g, ""), port, identity };
}

/** The hosts section of the user's config; a damaged file is named, with how to repair it. */
export function readHosts(paths: HostPaths = hostPaths()): Host[] {
  if (!existsSync(paths.config)) return [];
  const doc = parseDocument(readFileSync(paths.config, "utf8"));
  const hosts = doc.errors.length ? undefined : doc.get("hosts");
  if (doc.errors.length || (hosts != null && !isMap(hosts)))
    throw new NexusError(`${paths.config}: the hosts section is not a valid YAML mapping.`, {
      category: "config",
      hint: "Fix or delete that file's `hosts:` section, then add the hosts again (`nexus host add`).",
    });
  const entries = (hosts?.toJSON() ?? {}) as Record<
    string,
    { url?: unknown; identity?: unknown; limit?: unknown }
  >;
  return Object.entries(entries).map(([name, entry]) => {
    const identity = typeof entry?.identity === "string" ? entry.identity : undefined;
    try {
      checkHostName(name);
      const host = parseHostUrl(name, String(entry?.url ?? ""), identity);
      return entry?.limit === undefined ? host : { ...host, limit: checkHostLimit(entry.limit) };
    } catch (error) {
      throw new NexusError(`${paths.config}: hosts.${name}: ${(error as Error).message}`, {
        category: "config",
        hint: "Fix or delete that entry (`nexus host remove` needs a valid file), then add the host again.",
      });
    }
  });
}

/** A host's workspace limit: a whole number from 1 to 1000. */
export function checkHostLimit(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_HOST_LIMIT)
    return value;
  throw new UsageError(
    `Invalid limit ${preview(String(value))}.`,
    `A host's limit is a whole number of workspaces from 1 to ${MAX_HOST_LIMIT}.`,
  );
}

export function findHost(name: string, paths: HostPaths = hostPaths()): Host {
  checkHostName(name);
  const host = readHosts(paths).find((h) => h.name === name);
  if (!host)
    throw new NotFoundError(
      `No host named ${name}.`,
      "See `nexus host list`; add one with `nexus host add`.",
    );
  return host;
}

/** Read, change and write the config under a lock; every other section of the file is kept as it was. */
export function updateHosts(paths: HostPaths, change: (hosts: Map<string, Host>) => void): void {
  ensureDir(paths.dir, 0o700);
  withLock(join(paths.dir, "config.lock"), () => {
    const hosts = new Map(readHosts(paths).map((h) => [h.name, h]));
    change(hosts);
    const parsed = parseDocument(existsSync(paths.config) ? readFileSync(paths.config, "utf8") : "");
    const doc = isMap(parsed.contents) ? parsed : new Document({});
    const section = Object.fromEntries(
      [...hosts.values()].map((h) => [
        h.name,
        {
          url: h.url,
          ...(h.identity ? { identity: h.identity } : {}),
          ...(h.limit === undefined ? {} : { limit: h.limit }),
        },
      ]),
    );
    doc.set("hosts", doc.createNode(section));
    writeAtomic(paths.config, doc.toString(), 0o600);
  });
}

/** The alias a host's key is pinned under: it names the host, whatever its address or port. */
export function keyAlias(name: string): string {
  return `nexus-host-${name}`;
}

/** Pins `key` ("type base64") for `name`, replacing what was pinned for it before. */
export function pinKey(paths: HostPaths, name: string, key: string | undefined): void {
  ensureDir(paths.dir, 0o700);
  withLock(join(paths.dir, "known_hosts.lock"), () => {
    const lines = existsSync(paths.knownHosts) ? readFileSync(paths.knownHosts, "utf8").split("\n") : [];
    const kept = lines.filter((line) => line.trim() && line.split(" ")[0] !== keyAlias(name));
    if (key) kept.push(`${keyAlias(name)} ${key}`);
    writeAtomic(paths.knownHosts, kept.length ? `${kept.join("\n")}\n` : "", 0o600);
  });
}

export function pinnedKey(paths: HostPaths, name: string): string | undefined {
  if (!existsSync(paths.knownHosts)) return undefined;
  const line = readFileSync(paths.knownHosts, "utf8")
    .split("\n")
    .find((l) => l.split(" ")[0] === keyAlias(name));
  return line?.split(" ").slice(1, 3).join(" ");
}
