import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { NexusError } from "../core/errors.js";
import { runTethered } from "../workspace/engine/tether.js";
import { type AgentCommand, PRESETS } from "./presets.js";
import type { AgentPlace } from "./sandbox.js";

/** How to install each preset's agent. */
const INSTALL_HINTS: Record<string, string> = {
  claude: "npm install -g @anthropic-ai/claude-code",
  codex: "npm install -g @openai/codex",
  opencode: "npm install -g opencode-ai",
  aider: "pip install aider-chat",
};

/** How to put each preset's agent into the dev container (docs/agents.md has the whole recipe). */
const CONTAINER_HINTS: Record<string, string> = {
  claude:
    'add the devcontainer feature "ghcr.io/anthropics/devcontainer-features/claude-code:1", or `RUN npm install -g @anthropic-ai/claude-code` in the dev image',
  codex: "add `RUN npm install -g @openai/codex` to the dev image",
  opencode: "add `RUN npm install -g opencode-ai` to the dev image",
  aider: "add `RUN pip install aider-chat` (or `pipx install aider-chat`) to the dev image",
};

/** Words that start a shell script without naming a program on PATH: those commands are not checked. */
const SHELL_WORDS = new Set(
  "if then else elif fi for while until do done case esac in function select time ! { } [ [[ . : source exec eval cd export set unset read test true false echo printf command builtin alias local return exit ulimit umask trap wait".split(
    " ",
  ),
);

/**
 * The program an agent command starts: a preset's first word, or the first plain word of a
 * --agent-cmd shell command. Undefined when only a shell could tell (assignments, builtins, quotes).
 */
export function agentExecutable(agent: AgentCommand): string | undefined {
  if (agent.name !== "custom") return agent.argv[0];
  const word = /^\s*([^\s;&|<>()$`'"\\{}*?[\]!#~=]+)(?=\s|$)/.exec(agent.argv[2] ?? "")?.[1];
  return word && !SHELL_WORDS.has(word) ? word : undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `name` resolves the way a shell would: a path (relative to `cwd`), else the first PATH entry. */
export function findExecutable(name: string, cwd: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) {
    const file = isAbsolute(name) ? name : resolve(cwd, name);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

export interface AgentToCheck {
  agent: AgentCommand;
  /** "agent" or "review agent": named in the message, and picks the options in the hint. */
  role: "agent" | "review agent";
}

/** The programs a run needs: its agent, and its review agent when it has one. */
export function agentsOf(options: { agent: AgentCommand; reviewAgent?: AgentCommand }): AgentToCheck[] {
  const agents: AgentToCheck[] = [{ agent: options.agent, role: "agent" }];
  if (options.reviewAgent) agents.push({ agent: options.reviewAgent, role: "review agent" });
  return agents;
}

/**
 * Refuses, before any task is claimed or workspace created, an agent whose program is not
 * installed: otherwise every iteration would fail with `spawn claude ENOENT` hidden in its log.
 */
export function assertAgentsInstalled(agents: AgentToCheck[], cwd: string): void {
  for (const { agent, role } of agents) {
    const program = agentExecutable(agent);
    if (!program || findExecutable(program, cwd)) continue;
    const flags = role === "agent" ? ["--agent", "--agent-cmd"] : ["--review-agent", "--review-agent-cmd"];
    const others = Object.keys(PRESETS)
      .filter((p) => p !== agent.name)
      .join(", ");
    const install = INSTALL_HINTS[agent.name];
    const where = program.includes("/") ? "is not an executable file" : "was not found on PATH";
    const Role = role === "agent" ? "Agent" : "Review agent";
    throw new NexusError(`${Role} command \`${program}\` ${where}.`, {
      hint: install
        ? `Install it with \`${install}\`, or choose another agent with ${flags[0]} (${others}) or ${flags[1]} "CMD".`
        : `Install \`${program}\` or fix the command given to ${flags[1]} (it runs through /bin/sh in the task's worktree).`,
      category: "not_found",
    });
  }
}

/**
 * Refuses an agent whose program is not in the dev container, before its first iteration: the check
 * runs where the agent will (`command -v` as the agent's user, with its environment).
 */
export async function assertAgentsInContainer(
  agents: AgentToCheck[],
  place: AgentPlace,
  workspace: string,
): Promise<void> {
  for (const { agent, role } of agents) {
    const program = agentExecutable(agent);
    if (!program) continue;
    const found = await runTethered(place.launch([], {}).target, {
      cmd: ["/bin/sh", "-c", 'command -v -- "$1" >/dev/null', "sh", program],
      timeoutMs: 30_000,
      onOutput: () => undefined,
    });
    if (found.exitCode === 0) continue;
    const how = CONTAINER_HINTS[agent.name] ?? `install \`${program}\` in the dev image`;
    throw new NexusError(
      `${role === "agent" ? "Agent" : "Review agent"} command \`${program}\` was not found in the dev container of workspace "${workspace}".`,
      {
        hint: `Agents run inside the workspace's dev container: ${how}, then restart the workspace (\`nexus workspace down ${workspace}\` and \`up\`: a changed image is rebuilt); or mount a host install read-only with \`agent.mounts\` in .nexus/config.yaml (see docs/agents.md). \`--on-host\` runs it on the host instead.`,
        category: "not_found",
      },
    );
  }
}
