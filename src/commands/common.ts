import type { Command } from "commander";

/** Options every listing command shares. */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print machine-readable JSON on stdout");
}

export async function project() {
  const { openProject } = await import("../workspace/context.js");
  return openProject();
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
