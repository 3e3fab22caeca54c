import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "../core/errors.js";

const BEGIN = "<!-- nexus:begin -->";
const END = "<!-- nexus:end -->";

const AGENTS_SECTION = `${BEGIN}
## Work tracking: use Nexus, not a built-in todo list

This project tracks work as Nexus tasks (they persist in git and are done only when their checks pass).
- Start of a session: \`nexus prime\` (or the MCP tool \`task_ready\`) shows ready work and earlier failures.
- Take work with \`nexus task claim --agent NAME\` (MCP: \`task_claim\`); read \`nexus task show ID\`.
- Finish with \`nexus task complete ID\` (MCP: \`task_complete\`): it runs the checks; a failure sends it back with the output.
- New work you discover: \`nexus task create "title" --check "cmd"\` (MCP: \`task_create\`).
- Do not mark anything done yourself, and do not keep a separate todo list.
${END}`;

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    throw new UsageError(
      `${file} is not valid JSON; not touching it.`,
      "Fix or remove the file, then run `nexus agent setup` again.",
    );
  }
}

function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** Writes the agent's MCP configuration and the AGENTS.md section; running it again changes nothing. */
export function setupAgent(root: string, agent: string): string[] {
  const written: string[] = [];
  if (agent === "claude") {
    const file = join(root, ".mcp.json");
    const config = readJson(file);
    config.mcpServers = { ...(config.mcpServers as object), nexus: { command: "nexus", args: ["mcp"] } };
    writeJson(file, config);
    written.push(file);
  } else if (agent === "opencode") {
    const file = join(root, "opencode.json");
    const config = readJson(file);
    config.mcp = {
      ...(config.mcp as object),
      nexus: { type: "local", command: ["nexus", "mcp"], enabled: true },
    };
    writeJson(file, config);
    written.push(file);
  } else if (agent === "codex") {
    written.push(setupCodex());
  } else {
    throw new UsageError(`Unknown agent "${agent}".`, "Use claude, opencode or codex.");
  }
  written.push(writeAgentsSection(join(root, "AGENTS.md")));
  return written;
}

/** Codex reads MCP servers from its per-user config.toml. */
function setupCodex(): string {
  const file = join(process.env.CODEX_HOME ?? join(homedir(), ".codex"), "config.toml");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (!current.includes("[mcp_servers.nexus]")) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${current}${current && !current.endsWith("\n") ? "\n" : ""}\n[mcp_servers.nexus]\ncommand = "nexus"\nargs = ["mcp"]\n`,
    );
  }
  return file;
}

function writeAgentsSection(file: string): string {
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Agents\n";
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + AGENTS_SECTION + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${AGENTS_SECTION}\n`;
  writeFileSync(file, next);
  return file;
}
