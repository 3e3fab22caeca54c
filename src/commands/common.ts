import type { Command } from "commander";
import { printer } from "../core/output.js";

/** Options every listing command shares. */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print machine-readable JSON on stdout");
}

/** A repeatable option's parser: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function project() {
  const { openProject } = await import("../workspace/context.js");
  return openProject(undefined, { report: printer });
}

/** The project and the workspace NAME names, or the one the current directory is in. */
export async function workspaceNamed(name: string | undefined) {
  const { openProject, resolveName } = await import("../workspace/context.js");
  const ctx = await openProject(undefined, { report: printer });
  return { ctx, name: resolveName(ctx, name) };
}

/**
 * `exec [NAME] -- COMMAND...`: commander drops the `--` before an action sees its arguments, so where
 * the command starts is read from the argv commander kept (the root command's rawArgs).
 */
export function splitAtSeparator(command: Command, args: string[]): { name?: string; cmd?: string[] } {
  let root = command;
  while (root.parent) root = root.parent;
  const argv = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const separator = argv.indexOf("--");
  if (separator < 0) return {};
  const length = argv.length - separator - 1;
  return { name: args.length > length ? args[0] : undefined, cmd: args.slice(args.length - length) };
}

/** Opens the project's tasks as `actor` (--by/--agent), refusing an id or name beyond the limits first. */
export async function tasks(actor?: string, id?: string) {
  const { checkAgentName, checkTaskId } = await import("../tasks/limits.js");
  if (actor !== undefined) checkAgentName(actor);
  if (id !== undefined) checkTaskId(id);
  const { openTasks } = await import("../tasks/context.js");
  return openTasks({ actor, report: printer });
}

/**
 * Runs `work` with a signal that Ctrl-C or SIGTERM aborts (what it runs then ends, tethered), instead
 * of the process dying mid-step; `onStop` says so on the terminal.
 */
export async function withInterrupt<T>(
  work: (signal: AbortSignal) => Promise<T>,
  onStop?: () => void,
): Promise<T> {
  const controller = new AbortController();
  const stop = () => {
    onStop?.();
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
