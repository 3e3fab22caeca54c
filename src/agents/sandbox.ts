import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { relative, sep } from "node:path";
import { type AgentConfig, expandHome } from "../core/config.js";
import { NexusError } from "../core/errors.js";
import type { ProjectContext } from "../workspace/context.js";
import type { RunTarget } from "../workspace/engine/tether.js";

/**
 * Where a task's agent runs: its workspace's dev container (the default), or the host with --on-host.
 * In the container it gets the container's own environment, the loop's NEXUS_* variables and the
 * allowlisted host variables; the allowlisted files are written into its home before each run.
 */
export interface AgentPlace {
  kind: "container" | "host";
  /**
   * The worktree is not on this machine (a workspace on a remote host): the launch writes the prompt
   * into the container as the agent's user; nothing is written on the host's filesystem.
   */
  writesPrompt: boolean;
  /** A path in the worktree (where its workspace keeps it) as the agent sees it. */
  visible(hostPath: string): string;
  /** One run: where, the argv (writing the allowlisted files first), and the files the host lacks. */
  launch(argv: string[], loopEnv: Record<string, string>, prompt?: PromptFile): Launch;
}

/** The loop's prompt for one run, at `path` as the agent sees it. */
export interface PromptFile {
  path: string;
  text: string;
  /** Whether it is also the agent's standard input. */
  stdin: boolean;
}

interface Launch {
  target: RunTarget;
  cmd: string[];
  missing: string[];
  /** The file the tether gives the agent as standard input (unless the launch script does). */
  stdinFile?: string;
}

/** The dev container of a workspace as the agent's place; refuses a workspace without one. */
export async function containerPlace(
  ctx: ProjectContext,
  workspace: string,
  config: AgentConfig,
): Promise<AgentPlace> {
  const { devTarget, remoteEnv } = await import("../workspace/access.js");
  const target = await devTarget(ctx, workspace);
  if (!("dev" in target)) throw noDevContainer(workspace);
  const writesPrompt = Boolean(target.record.host);
  const worktree = target.record.worktreePath;
  const folder = target.env.workspaceFolder;
  const base = { kind: "container" as const, containerId: target.dev.id, user: target.user, workdir: folder };
  const allowed = config.env.flatMap((key) =>
    process.env[key] === undefined ? [] : [`${key}=${process.env[key]}`],
  );
  const env = [...remoteEnv(target.env), ...allowed];
  return {
    kind: "container",
    writesPrompt,
    visible: (hostPath) => `${folder}/${relative(worktree, hostPath).split(sep).join("/")}`,
    launch: (argv, loopEnv, prompt) => {
      const files = homeFiles(config.files);
      const written = writesPrompt && prompt ? promptWrite(prompt) : undefined;
      const script = `${files.script}${written?.script ?? ""}`;
      const exec = written?.stdin ?? 'exec "$@"';
      const loop = Object.entries(loopEnv).map(([k, v]) => `${k}=${v}`);
      const cmd = script ? ["/bin/sh", "-c", `${script}${exec}`, "nexus-agent", ...argv] : argv;
      return {
        target: { ...base, env: [...env, ...loop, ...files.env, ...(written?.env ?? [])] },
        cmd,
        missing: files.missing,
        stdinFile: prompt?.stdin && !written ? prompt.path : undefined,
      };
    },
  };
}

/** --on-host: the worktree on the host, with the host's whole environment (what the flag gives up). */
export function hostPlace(worktree: string): AgentPlace {
  return {
    kind: "host",
    writesPrompt: false,
    visible: (hostPath) => hostPath,
    launch: (argv, loopEnv, prompt) => ({
      target: { kind: "host", cwd: worktree, env: { ...process.env, ...loopEnv } },
      cmd: argv,
      missing: [],
      stdinFile: prompt?.stdin ? prompt.path : undefined,
    }),
  };
}

/** One variable can hold at most 128 KiB (MAX_ARG_STRLEN); credentials are far smaller. */
const MAX_FILE_BYTES = 100 * 1024;

/**
 * The allowlisted host files (`~/…`), read now, as variables and a script that writes them into the
 * container user's home as that user (0600, folders 0700) and then drops the variables. The host's
 * files are only read; nothing runs as root in the container, so a link the agent planted in its home
 * can only lead where the agent could write anyway. No extra Engine call: the agent's own exec carries them.
 */
function homeFiles(files: string[]): { env: string[]; script: string; missing: string[] } {
  const out = { env: [] as string[], script: "", missing: [] as string[] };
  for (const [i, file] of files.entries()) {
    const source = expandHome(file, homedir());
    const content = statSync(source, { throwIfNoEntry: false })?.isFile() ? readFileSync(source) : undefined;
    if (!content) {
      out.missing.push(file);
      continue;
    }
    if (content.includes(0) || content.length > MAX_FILE_BYTES)
      throw new NexusError(`${file} is not a text file of at most 100 KiB.`, {
        category: "validation",
        hint: "`agent.files` takes credential and config files; give a larger install with `agent.mounts`.",
      });
    const target = file.slice(2);
    const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : "";
    const name = `NEXUS_AGENT_FILE_${i}`;
    out.env.push(`${name}=${content.toString("utf8")}`);
    const mkdir = dir ? `mkdir -p "$HOME"/${quote(dir)} && ` : "";
    out.script += `(umask 077 && ${mkdir}printf %s "$${name}" > "$HOME"/${quote(target)}) || echo "nexus: cannot write ~/${target.replace(/[^\w./-]/g, "?")}" >&2; unset ${name}\n`;
  }
  return out;
}

/** Code points per variable: at most 4 bytes each, so one part stays under MAX_ARG_STRLEN (128 KiB). */
const PART_CHARS = 30_000;
const MAX_PROMPT_PARTS = 16;

/**
 * The prompt as variables (parts of at most 120,000 bytes) and a script that writes it, as the agent's
 * user in its container, where the agent will read it, then drops them; with `stdin`, the script
 * also gives it to the agent as its standard input (the tether opens its file before the script runs).
 */
export function promptWrite(prompt: PromptFile): { env: string[]; script: string; stdin?: string } {
  const chars = Array.from(prompt.text.replaceAll("\0", ""));
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += PART_CHARS) parts.push(chars.slice(i, i + PART_CHARS).join(""));
  if (parts.length > MAX_PROMPT_PARTS)
    throw new NexusError(`The agent's prompt is larger than ${MAX_PROMPT_PARTS * PART_CHARS} characters.`, {
      category: "validation",
      hint: "Shorten the task's description or the project's skills (.nexus/skills/).",
    });
  const names = parts.map((_, i) => `NEXUS_PROMPT_${i}`);
  const file = quote(prompt.path);
  const dir = quote(prompt.path.slice(0, prompt.path.lastIndexOf("/")) || "/");
  const values = names.map((n) => `"$${n}"`).join(" ");
  const script = `(umask 077 && mkdir -p ${dir} && printf %s ${values} > ${file}) || { echo "nexus: cannot write the prompt in the container" >&2; exit 1; }; unset ${names.join(" ")}\n`;
  return {
    env: parts.map((part, i) => `${names[i]}=${part}`),
    script,
    stdin: prompt.stdin ? `exec "$@" < ${file}` : undefined,
  };
}

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** `what`: a workspace name, or words saying which workspace. */
export function noDevContainer(what: string): NexusError {
  const subject = /^[\w.-]+$/.test(what) ? `Workspace "${what}" has` : `The workspace ${what} would have`;
  return new NexusError(`${subject} no dev container for the agent to run in.`, {
    category: "validation",
    hint: "Give the task a workspace with containers (`--template NAME`, or `default_template` in .nexus/config.yaml), or run the agent on the host with `nexus ralph run --on-host` (it then sees your home, keys and Docker socket).",
  });
}
