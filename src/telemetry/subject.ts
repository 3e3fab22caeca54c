import type { Command } from "commander";

/** "workspace create", never the raw arguments. */
export function commandPath(action: Command): string {
  const names: string[] = [];
  for (let cmd: Command | null = action; cmd?.parent; cmd = cmd.parent) names.unshift(cmd.name());
  return names.join(" ");
}

/** Purging or switching off must leave nothing behind; git's merge driver is not a user command. */
export function shouldRecord(path: string): boolean {
  // `completion` runs on every Tab press: noise, not use.
  return !["telemetry purge", "telemetry off", "task merge-driver", "completion"].includes(path);
}

/** The workspace or task a command was about, by its declared first argument (hashed later). */
export function subjectOf(action: Command): { workspace?: string; task?: string; template?: string } {
  const group = action.parent?.name();
  const first = action.registeredArguments[0]?.name();
  const value = typeof action.processedArgs[0] === "string" ? (action.processedArgs[0] as string) : undefined;
  const template = action.opts().template as string | undefined;
  if (!value) return { template };
  if (group === "workspace" && first === "name") return { workspace: value, template };
  // A task is hashed by its id only: `task create` has a title here, and notes the new id itself.
  if (group === "task" && first === "id") return { task: value };
  return { template };
}
