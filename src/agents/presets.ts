import { UsageError } from "../core/errors.js";

export interface AgentCommand {
  name: string;
  /** argv; `{prompt_file}` and `{prompt}` are replaced. */
  argv: string[];
  /** Whether the prompt also goes to the agent's standard input. */
  stdin: boolean;
}

/** Non-interactive invocations of the agents people use; any other via --agent-cmd. */
export const PRESETS: Record<string, AgentCommand> = {
  claude: {
    name: "claude",
    argv: ["claude", "-p", "--dangerously-skip-permissions", "--output-format", "text"],
    stdin: true,
  },
  opencode: { name: "opencode", argv: ["opencode", "run", "{prompt}"], stdin: false },
  codex: { name: "codex", argv: ["codex", "exec", "--full-auto", "{prompt}"], stdin: false },
  aider: {
    name: "aider",
    argv: ["aider", "--yes-always", "--no-auto-commits", "--message-file", "{prompt_file}"],
    stdin: false,
  },
};

export function agentCommand(options: { preset?: string; command?: string }): AgentCommand {
  if (options.command) {
    const uses = options.command.includes("{prompt_file}") || options.command.includes("{prompt}");
    return { name: "custom", argv: ["/bin/sh", "-c", options.command], stdin: !uses };
  }
  const preset = PRESETS[options.preset ?? "claude"];
  if (preset) return preset;
  throw new UsageError(
    `Unknown agent preset "${options.preset}".`,
    `Use one of ${Object.keys(PRESETS).join(", ")}, or --agent-cmd "CMD" ({prompt_file} is replaced; otherwise the prompt is on stdin).`,
  );
}

export function expandArgv(agent: AgentCommand, values: { promptFile: string; prompt: string }): string[] {
  const quoteForShell = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return agent.argv.map((arg, index) => {
    // Inside a --agent-cmd shell string the values are shell-quoted; as plain argv they are passed whole.
    const shell = agent.name === "custom" && index === 2;
    return arg
      .replaceAll("{prompt_file}", shell ? quoteForShell(values.promptFile) : values.promptFile)
      .replaceAll("{prompt}", shell ? quoteForShell(values.prompt) : values.prompt);
  });
}
