import { Argument, type Command, Option } from "commander";
import { oneOf } from "../core/options.js";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = (typeof SHELLS)[number];

/** `nexus completion bash|zsh|fish`, and the hidden `--list KIND` the scripts call for names. */
export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script: source <(nexus completion bash)")
    .addArgument(
      oneOf(
        new Argument("[shell]", "bash, zsh or fish").default("bash"),
        SHELLS,
        "For example: source <(nexus completion bash)",
      ),
    )
    .addOption(new Option("--list <kind>", "names for completion: workspaces, tasks or templates").hideHelp())
    .action(async (shell: Shell, opts: { list?: string }) => {
      if (opts.list !== undefined) {
        const { listNames, LIST_KINDS } = await import("../completion/list.js");
        const { packageRoot } = await import("../core/paths.js");
        const kind = LIST_KINDS.find((k) => k === opts.list);
        if (!kind) return; // completion never prints errors into the user's command line
        const names = listNames(kind, process.cwd(), `${packageRoot()}/templates`);
        if (names.length) process.stdout.write(`${names.join("\n")}\n`);
        return;
      }
      const { completionScript } = await import("../completion/index.js");
      process.stdout.write(completionScript(program, shell));
    });
}
