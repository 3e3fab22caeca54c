import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { bashScript, zshScript } from "./bash.js";
import { fishScript } from "./fish.js";
import { completionTree } from "./tree.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script for a shell, built from the program's own command definitions. */
export function completionScript(program: Command, shell: string): string {
  const tree = completionTree(program);
  if (shell === "bash") return bashScript(tree);
  if (shell === "zsh") return zshScript(tree);
  if (shell === "fish") return fishScript(tree);
  throw new UsageError(
    `Unknown shell ${JSON.stringify(shell)}: completion is available for bash, zsh and fish.`,
    "For example: source <(nexus completion bash)",
  );
}
