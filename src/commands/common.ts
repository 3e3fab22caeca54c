import type { Command } from "commander";

/** Options every listing command shares. */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print machine-readable JSON on stdout");
}

/** A repeatable option's parser: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function project() {
  const { openProject } = await import("../workspace/context.js");
  return openProject();
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
