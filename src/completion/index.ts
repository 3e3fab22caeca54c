// Hand-written on purpose, measured against @bomb.sh/tab 0.0.23 (prototype: commit 1c2c30d, reverted).
// tab's scripts call `nexus complete -- WORDS` on every TAB, so each one starts Node and builds the whole
// commander program: completing a command or option took 147 ms (min 118) against 11 ms (min 5) for
// this script, which answers those from the tree it carries and starts Node only for names (workspaces,
// tasks, templates: 126 ms here, 129 ms through tab). tab's bash script also needs the bash-completion
// package (_get_comp_words_by_ref), and its commander adapter drops aliases (`nexus ws`).
// Repeat: hyperfine on a sourced script calling _nexus vs tab's __nexus_complete (docs/dev/architecture.md).
import type { Command } from "commander";
import { bashScript, zshScript } from "./bash.js";
import { fishScript } from "./fish.js";
import { completionTree } from "./tree.js";

/** The completion script for a shell, built from the program's own command definitions. */
export function completionScript(program: Command, shell: "bash" | "zsh" | "fish"): string {
  const tree = completionTree(program);
  return { bash: bashScript, zsh: zshScript, fish: fishScript }[shell](tree);
}
