import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensureDir, writeAtomic } from "../core/atomic.js";
import { UsageError } from "../core/errors.js";

/**
 * The session-start hook `nexus agent setup` installs, so every session of the agent begins with
 * `nexus prime` in its context. Claude Code and Codex read the same shape (Claude Code:
 * .claude/settings.json, code.claude.com/docs/en/hooks; Codex: .codex/hooks.json,
 * developers.openai.com/codex/hooks): hooks.SessionStart is a list of matcher groups, each with
 * hooks [{ type: "command", command, timeout }]; a SessionStart hook's stdout is added to the
 * session's context. opencode has no command hook: only a plugin (code, through an experimental
 * hook whose API differs between opencode V1 and V2) could add context; AGENTS.md asks for
 * `nexus prime` instead.
 */
const HOOK_FILES: Record<string, string | undefined> = {
  claude: join(".claude", "settings.json"),
  codex: join(".codex", "hooks.json"),
  opencode: undefined,
};

/** Said instead of a hook for an agent that has none. */
export const NO_HOOK =
  "opencode has no session-start command hook; AGENTS.md asks the agent to run `nexus prime` first";

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** `nexus prime` as this installation runs it: absolute node and cli.js, whatever PATH says. */
export function primeCommand(command: string, args: string[]): string {
  return [command, args[0]!, "prime"].map(quote).join(" ");
}

/** A hook command an earlier `agent setup` wrote: ours to update, never the user's to duplicate. */
const OURS = /(^nexus|[/\\]dist[/\\]cli\.js'?) prime$/;

/** A SetupResult (setup.ts) for the hook's file. */
interface HookResult {
  file: string;
  action: "wrote" | "unchanged";
  message: string;
}

interface HookEntry {
  type?: string;
  command?: string;
  [key: string]: unknown;
}
interface MatcherGroup {
  matcher?: string;
  hooks?: HookEntry[];
  [key: string]: unknown;
}

/**
 * Reads the file and works out the change; nothing is written until `apply` (after every other
 * file of the setup has been read: a malformed file stops the setup before anything is written).
 */
export function planSessionHook(
  root: string,
  agent: string,
  command: string,
): { apply: () => HookResult } | undefined {
  const name = HOOK_FILES[agent];
  if (!name) return undefined;
  const file = join(root, name);
  const settings = readSettings(file, name);
  const next = withHook(settings, command);
  return {
    apply: () => {
      if (!next)
        return { file, action: "unchanged", message: `${name}: session-start hook already runs nexus prime` };
      ensureDir(dirname(file));
      writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
      return {
        file,
        action: "wrote",
        message: `wrote ${file}: every session starts with nexus prime`,
      };
    },
  };
}

function readSettings(file: string, name: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const refuse = (why: string) =>
    new UsageError(
      `${name} ${why}; not touching it (nor the other files of this setup).`,
      `Fix or remove ${name}, then run \`nexus agent setup\` again.`,
    );
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw refuse("is not valid JSON");
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) throw refuse("is not a JSON object");
  const hooks = (data as { hooks?: unknown }).hooks;
  if (hooks !== undefined && (typeof hooks !== "object" || hooks === null || Array.isArray(hooks)))
    throw refuse('has a "hooks" that is not an object');
  const start = (hooks as { SessionStart?: unknown } | undefined)?.SessionStart;
  if (start !== undefined && !Array.isArray(start))
    throw refuse('has a "hooks.SessionStart" that is not a list');
  return data as Record<string, unknown>;
}

/** The settings with our hook in hooks.SessionStart; undefined when it is there already. */
function withHook(settings: Record<string, unknown>, command: string): Record<string, unknown> | undefined {
  const hooks = (settings.hooks ?? {}) as Record<string, unknown>;
  const groups = (hooks.SessionStart ?? []) as MatcherGroup[];
  const entries = groups.flatMap((g) => (Array.isArray(g?.hooks) ? g.hooks : []));
  if (entries.some((h) => h?.command === command)) return undefined;
  const ours = entries.find((h) => typeof h?.command === "string" && OURS.test(h.command));
  const hook = { type: "command", command, timeout: 30 };
  const updated = ours
    ? groups.map((g) =>
        Array.isArray(g?.hooks) && g.hooks.includes(ours)
          ? { ...g, hooks: g.hooks.map((h) => (h === ours ? { ...h, command } : h)) }
          : g,
      )
    : [...groups, { hooks: [hook] }];
  return { ...settings, hooks: { ...hooks, SessionStart: updated } };
}
