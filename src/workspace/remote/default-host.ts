import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Document, isMap, parseDocument } from "yaml";
import { ensureDir, writeAtomic } from "../../core/atomic.js";
import { NexusError } from "../../core/errors.js";
import { withLock } from "../../core/lock.js";
import { findHost, type HostPaths, hostPaths } from "./hosts.js";

/** The name that means this machine wherever a host is named (`--host local`). */
export const LOCAL = "local";

/** `default_host` of the user's config: where `workspace create` puts a workspace without --host. */
export function defaultHost(paths: HostPaths = hostPaths()): string | undefined {
  if (!existsSync(paths.config)) return undefined;
  const doc = parseDocument(readFileSync(paths.config, "utf8"));
  const value = doc.errors.length ? undefined : doc.get("default_host");
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw new NexusError(`${paths.config}: default_host is not a host name.`, {
      category: "config",
      hint: "Set it with `nexus host default NAME`, or clear it with `nexus host default --clear`.",
    });
  return value;
}

/** Sets (a registered host, or `local` for this machine) or clears the default; other sections are kept. */
export function setDefaultHost(name: string | undefined, paths: HostPaths = hostPaths()): void {
  if (name !== undefined && name !== LOCAL) findHost(name, paths);
  ensureDir(paths.dir, 0o700);
  withLock(join(paths.dir, "config.lock"), () => {
    const parsed = parseDocument(existsSync(paths.config) ? readFileSync(paths.config, "utf8") : "");
    const doc = isMap(parsed.contents) ? parsed : new Document({});
    if (name === undefined) doc.delete("default_host");
    else doc.set("default_host", name);
    writeAtomic(paths.config, doc.toString(), 0o600);
  });
}

/** The host a new workspace goes to: the one named, else the default; none for this machine. */
export function hostForCreate(named: string | undefined, paths: HostPaths = hostPaths()): string | undefined {
  const chosen = named ?? defaultHost(paths);
  return chosen === LOCAL ? undefined : chosen;
}
