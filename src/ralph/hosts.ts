import { NexusError, UsageError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import { LOCAL } from "../workspace/remote/default-host.js";
import type { WorkspaceRecord } from "../workspace/store.js";

export interface HostCapacity {
  name: string;
  /** How many workspaces of this repository the host takes. */
  limit: number;
  /** How many it has, and is being given by this run. */
  used: number;
}

/** The host with the most free capacity (limit − used), the first listed on a tie; none when all are full. */
export function pickHost(hosts: HostCapacity[]): string | undefined {
  let best: HostCapacity | undefined;
  for (const host of hosts) {
    const free = host.limit - host.used;
    if (free > 0 && (!best || free > best.limit - best.used)) best = host;
  }
  return best?.name;
}

/**
 * `--hosts a,b`: every name a registered host (or `local`), checked before anything is claimed,
 * with its limit (`limit:` in its entry of ~/.nexus/config.yaml; this machine has the default).
 */
export async function resolveHosts(names: string[]): Promise<{ name: string; limit: number }[]> {
  const { findHost, hostLimit } = await import("../workspace/remote/hosts.js");
  const unique = [...new Set(names.map((n) => n.trim()))];
  if (!unique.length || unique.includes(""))
    throw new UsageError("--hosts needs host names.", "Give registered hosts, comma-separated: --hosts a,b.");
  return unique.map((name) =>
    name === LOCAL ? { name, limit: hostLimit({}) } : { name, limit: hostLimit(findHost(name)) },
  );
}

export interface HostPool {
  /** The host for the new workspace `name` (undefined: this machine); waits while every host is full. */
  take(name: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The workspace was made (its record counts from now on) or was not. */
  release(name: string): void;
}

const WAIT_MS = 5000;

/**
 * Places a run's new workspaces on its hosts: each on the one with the most free capacity, counting
 * the repository's workspaces there (their records) and those this run is making. When every host
 * is full the worker waits (its task stays claimed) until a workspace is destroyed, rather than
 * overload a host; an interrupt ends the wait.
 */
export function hostPool(
  hosts: { name: string; limit: number }[],
  records: () => WorkspaceRecord[],
  report?: Report,
): HostPool {
  const making = new Map<string, string>();
  const capacity = (): HostCapacity[] => {
    const all = records();
    const known = new Set(all.map((r) => r.name));
    const coming = [...making].filter(([workspace]) => !known.has(workspace)).map(([, host]) => host);
    return hosts.map((h) => ({
      ...h,
      used:
        all.filter((r) => (r.host ?? LOCAL) === h.name).length + coming.filter((c) => c === h.name).length,
    }));
  };
  return {
    async take(name, signal) {
      for (let told = false; ; told = true) {
        const current = capacity();
        const host = pickHost(current);
        if (host) {
          making.set(name, host);
          return host === LOCAL ? undefined : host;
        }
        if (!told) report?.warn(`${fullMessage(current)}; waiting for a free slot (Ctrl-C stops)`);
        await pause(WAIT_MS, signal);
      }
    },
    release: (name) => making.delete(name),
  };
}

function fullMessage(hosts: HostCapacity[]): string {
  return `every host is full (${hosts.map((h) => `${h.name} ${h.used}/${h.limit}`).join(", ")}): destroy a finished workspace to free one`;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(
        new NexusError("Interrupted while waiting for a host with a free slot.", {
          category: "interrupted",
          hint: "The task's claim is released; run `nexus ralph run` again when a host has room.",
        }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}
