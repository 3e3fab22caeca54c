import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { writeAtomic } from "../core/atomic.js";
import { NexusError, UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { NO_HOOK, planSessionHook, primeCommand } from "./hooks.js";

const BEGIN = "<!-- nexus:begin -->";
const END = "<!-- nexus:end -->";

const AGENTS_SECTION = `${BEGIN}
## Work tracking: use Nexus, not a built-in todo list

This project tracks work as Nexus tasks (they persist in git and are done only when their checks pass).
- Start of a session: \`nexus prime\` (or the MCP tool \`task_ready\`) shows ready work and earlier failures; Claude Code and Codex run it for you (a session-start hook).
- Take work with \`nexus task claim --agent NAME\` (MCP: \`task_claim\`); read \`nexus task show ID\`.
- Finish with \`nexus task complete ID\` (MCP: \`task_complete\`): it runs the checks; a failure sends it back with the output.
- New work you discover: \`nexus task create "title" --check "cmd"\` (MCP: \`task_create\`).
- Do not mark anything done yourself, and do not keep a separate todo list.
${END}`;

export interface SetupOptions {
  /** Replace an existing `nexus` entry that differs from ours (the user's own command or env). */
  force?: boolean;
}

export interface SetupResult {
  file: string;
  /** skipped: the agent has no such thing (opencode's session-start hook). */
  action: "wrote" | "unchanged" | "kept" | "skipped";
  /** What to tell the user, e.g. "kept your existing nexus entry in .mcp.json; --force replaces it". */
  message: string;
}

/**
 * The command that starts this installation's MCP server: absolute node + absolute dist/cli.js, so
 * neither PATH nor cli.js's executable bit matters.
 */
export function serverCommand(): { command: string; args: string[] } {
  const cli = join(packageRoot(), "dist", "cli.js");
  if (!existsSync(cli))
    throw new NexusError(`Cannot find ${cli}, which the agent's MCP configuration must start.`, {
      hint: "Build Nexus first (`npm run build`), or install it with npm.",
    });
  return { command: process.execPath, args: [realpathSync(cli), "mcp"] };
}

/**
 * Writes the agent's MCP configuration, its session-start hook (`nexus prime`, where the agent has
 * hooks) and the AGENTS.md section; running it again changes nothing.
 */
export function setupAgent(root: string, agent: string, options: SetupOptions = {}): SetupResult[] {
  const { command, args } = serverCommand();
  const force = Boolean(options.force);
  // Read (and refuse a malformed file) before writing anything.
  const hook = planSessionHook(root, agent, primeCommand(command, args));
  let result: SetupResult;
  if (agent === "claude") {
    const entry = { command, args };
    const legacy = { command: "nexus", args: ["mcp"] };
    result = mergeJsonEntry({ root, file: join(root, ".mcp.json"), key: "mcpServers", entry, legacy }, force);
  } else if (agent === "opencode") {
    const entry = { type: "local", command: [command, ...args], enabled: true };
    const legacy = { type: "local", command: ["nexus", "mcp"], enabled: true };
    result = mergeJsonEntry({ root, file: join(root, "opencode.json"), key: "mcp", entry, legacy }, force);
  } else if (agent === "codex") {
    result = setupCodex(command, args, force);
  } else {
    throw new UsageError(
      `Unknown agent ${JSON.stringify(agent.slice(0, 40))}.`,
      "Use claude, opencode or codex.",
    );
  }
  const agents = join(root, "AGENTS.md");
  const started = hook?.apply() ?? { file: agents, action: "skipped" as const, message: NO_HOOK };
  return [result, started, writeAgentsSection(root, agents)];
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (data && typeof data === "object" && !Array.isArray(data)) return data as Record<string, unknown>;
  } catch {}
  throw new UsageError(
    `${file} is not a JSON object; not touching it.`,
    "Fix or remove the file, then run `nexus agent setup` again.",
  );
}

interface JsonTarget {
  root: string;
  file: string;
  /** The object holding the servers: mcpServers (Claude Code) or mcp (opencode). */
  key: string;
  entry: unknown;
  /** What earlier Nexus versions wrote: ours to upgrade, not the user's to keep. */
  legacy: unknown;
}

function mergeJsonEntry(target: JsonTarget, force: boolean): SetupResult {
  const { file, key, entry, legacy } = target;
  const name = relative(target.root, file);
  const config = readJson(file);
  const servers = (typeof config[key] === "object" && config[key]) || {};
  const current = (servers as Record<string, unknown>).nexus;
  if (isDeepStrictEqual(current, entry)) return unchanged(file, name);
  if (current !== undefined && !force && !isDeepStrictEqual(current, legacy)) return kept(file, name);
  config[key] = { ...servers, nexus: entry };
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return { file, action: "wrote", message: `wrote ${file}` };
}

const unchanged = (file: string, name: string): SetupResult => ({
  file,
  action: "unchanged",
  message: `${name} is already up to date`,
});

const kept = (file: string, name: string): SetupResult => ({
  file,
  action: "kept",
  message: `kept your existing nexus entry in ${name}; --force replaces it`,
});

/** Codex reads MCP servers from its per-user config.toml. */
function setupCodex(command: string, args: string[], force: boolean): SetupResult {
  const file = join(process.env.CODEX_HOME ?? join(homedir(), ".codex"), "config.toml");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const section = `[mcp_servers.nexus]\ncommand = ${JSON.stringify(command)}\nargs = ${JSON.stringify(args)}\n`;
  const lines = current.split("\n");
  const table = findTable(lines);
  let next: string;
  if (!table) {
    next = `${current}${current && !current.endsWith("\n") ? "\n" : ""}${current ? "\n" : ""}${section}`;
  } else {
    const existing = normalise(lines.slice(table.start, table.end).join("\n"));
    if (existing === normalise(section)) return unchanged(file, file);
    const legacy = '[mcp_servers.nexus]\ncommand = "nexus"\nargs = ["mcp"]';
    if (!force && existing !== normalise(legacy)) return kept(file, file);
    const after = lines.slice(table.end);
    next = [...lines.slice(0, table.start), ...section.split("\n"), ...after].join("\n");
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, next);
  return { file, action: "wrote", message: `wrote ${file}` };
}

const normalise = (toml: string) =>
  toml
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

/** The lines of [mcp_servers.nexus] and its sub-tables ([mcp_servers.nexus.env]), up to the next table. */
function findTable(lines: string[]): { start: number; end: number } | undefined {
  const header = /^\s*\[\s*mcp_servers\.nexus\s*\]\s*(#.*)?$/;
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (/^\s*\[/.test(line) && !/^\s*\[\s*mcp_servers\.nexus\./.test(line)) break;
  }
  return { start, end };
}

function writeAgentsSection(root: string, file: string): SetupResult {
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Agents\n";
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + AGENTS_SECTION + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${AGENTS_SECTION}\n`;
  if (existsSync(file) && next === current) return unchanged(file, relative(root, file));
  writeFileSync(file, next);
  return { file, action: "wrote", message: `wrote ${file}` };
}
