import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The engine a piece of work runs against when it is not this machine's: a remote host's Docker
 * socket forwarded to a local unix socket (every Engine API call goes there unchanged), and how a
 * `docker compose` command runs on that host (Compose must run where the files and bind paths are).
 * Held per async call chain, so an MCP server serving two workspaces on two hosts never mixes them.
 */
export interface EngineTarget {
  /** For messages: the host's name. */
  name: string;
  /** The forwarded Engine API socket (a local path). */
  socket: string;
  /** The program and arguments that run `docker <args>` on the host with `env` set there. */
  command(args: string[], env: Record<string, string>): [string, string[]];
  /** The error for a command that could not reach the host (ssh's own exit code 255). */
  unreachable(stderr: string): Error;
}

const current = new AsyncLocalStorage<EngineTarget>();

/** The target of the work in progress; none for this machine's own engine. */
export function engineTarget(): EngineTarget | undefined {
  return current.getStore();
}

/** Runs `work` (and everything it awaits) against `target`. */
export function onEngine<T>(target: EngineTarget, work: () => Promise<T>): Promise<T> {
  return current.run(target, work);
}

/** Runs `work` against this machine (reading a remote workspace's model from this checkout). */
export function offEngine<T>(work: () => Promise<T>): Promise<T> {
  return current.exit(work);
}
