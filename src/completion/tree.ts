import type { Argument, Command, Option } from "commander";

/** What a value is completed from: names read from the repository, fixed words, or nothing. */
export type ValueKind = "workspace" | "task" | "template" | "none" | `words:${string}`;

export interface CompletionNode {
  /** The command path, e.g. "workspace create"; "" for the program itself. */
  path: string;
  name: string;
  aliases: string[];
  /** Every flag spelling, e.g. ["-t", "--template"]. */
  options: { flags: string[]; value: ValueKind | undefined }[];
  /** Kinds of the positional arguments, in order; `variadic` repeats the last. */
  args: ValueKind[];
  variadic: boolean;
  children: CompletionNode[];
}

/** The value an option takes: its `.choices()`, or by its long name (`--workspace NAME`: workspace names). */
function optionValue(option: Option): ValueKind | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices) return `words:${option.argChoices.join(",")}`;
  const long = option.long ?? "";
  if (long === "--workspace") return "workspace";
  if (long === "--template") return "template";
  if (long === "--depends") return "task";
  return "none";
}

/** A positional argument's kind: its `.choices()`, or by the command group it belongs to and its name. */
function argumentKind(group: string, arg: Argument): ValueKind {
  if (arg.argChoices) return `words:${arg.argChoices.join(",")}`;
  const name = arg.name();
  if (group === "template" && name === "name") return "template";
  if (group === "workspace" && (name === "name" || name === "args")) return "workspace";
  if (name === "id" || name === "ids") return "task";
  return "none";
}

/** The completion tree of a commander program: visible commands, aliases, options and arguments. */
export function completionTree(program: Command, path = ""): CompletionNode {
  const help = program.createHelp();
  const group = path.split(" ")[0] || program.name();
  const options = help.visibleOptions(program).map((option) => ({
    flags: [option.short, option.long].filter((f): f is string => Boolean(f)),
    value: optionValue(option),
  }));
  const args = program.registeredArguments.map((arg) => argumentKind(group, arg));
  return {
    path,
    name: program.name(),
    aliases: program.aliases(),
    options,
    args,
    variadic: program.registeredArguments.some((arg) => arg.variadic),
    children: help
      .visibleCommands(program)
      .filter((child) => child.name() !== "help")
      .map((child) => completionTree(child, path ? `${path} ${child.name()}` : child.name())),
  };
}

/** Every node of the tree, depth first. */
export function allNodes(node: CompletionNode): CompletionNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}
