import { existsSync, writeFileSync } from "node:fs";
import { z } from "zod";
import type { DevLanguage } from "./dev-language.js";
import type { ProjectPaths } from "./paths.js";
import { readYamlFile } from "./yaml-file.js";

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), {
    message: "must be a path inside the repository (no leading / and no ..)",
  });

/** What a service may be allowed to reach past its workspace (`allow:`), see docs/configuration.md. */
export const SERVICE_RISKS = ["host_network", "host_pid", "host_ipc", "privileged", "docker_socket"] as const;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be a variable name" });

/** A file under the user's home, written `~/…`: copied into the container user's home at the same place. */
const homeFile = z
  .string()
  .regex(/^~\/./, {
    message: "must start with ~/ (a file in your home, copied to the same place in the container's)",
  })
  .refine((p) => !p.split("/").includes(".."), { message: "must not contain .." });

const DOCKER_SOCKET = /(^|\/)docker\.sock$|^\/(var\/)?run\/docker(\/|$)/;

/** A host folder or file mounted read-only into the dev container (an agent's install). */
const agentMount = z
  .object({
    source: z.string().regex(/^(~\/|\/)./, { message: "must be absolute or start with ~/" }),
    target: z.string().startsWith("/"),
  })
  .strict()
  .refine((m) => !DOCKER_SOCKET.test(m.source) && !DOCKER_SOCKET.test(m.target), {
    message: "the Docker socket is never given to an agent",
  })
  .refine((m) => !/^(~|\/root|\/home\/[^/]+)\/?$/.test(m.source), {
    message: "mount the agent's own folder, not a whole home",
  });

/** What an agent run in the dev container is given from the host, and nothing else. */
const agentSchema = z
  .object({
    /** Host variables passed to the agent by name (its keys): the rest of the host's environment is not. */
    env: z.array(envName).default([]),
    /** Host files (`~/…`) copied into the container user's home before each run; the originals stay untouched. */
    files: z.array(homeFile).default([]),
    /** Host paths mounted read-only into the dev container (e.g. an agent installed on the host). */
    mounts: z.array(agentMount).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    /** A template name, "devcontainer", "compose" or "none"; unset: detected (see docs/configuration.md). */
    default_template: z.string().optional(),
    /** The repository's own compose file(s), when `compose` is the environment. */
    compose: z
      .object({
        files: z.array(relativePath).min(1).optional(),
        /** Where relative paths in the files resolve (and `.env` is read); default: the first file's folder. */
        project_directory: relativePath.optional(),
        /** Compose profiles every workspace starts (`--profile` adds more per workspace). */
        profiles: z
          .array(z.string().regex(/^[a-zA-Z0-9*][a-zA-Z0-9_.-]*$/, { message: "must be a profile name" }))
          .optional(),
        dev_service: z.string().optional(),
        workspace_folder: z.string().startsWith("/").default("/workspace"),
        ssh: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** The devcontainer.json to use, when it is not .devcontainer/devcontainer.json. */
    devcontainer: z.object({ config: relativePath }).strict().optional(),
    /** Variables for every workspace's dev container, and per workspace (NAME: {KEY: value}). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    workspaces: z
      .record(
        z.string(),
        z
          .object({ env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}) })
          .strict(),
      )
      .default({}),
    ports: z
      .object({
        start: z.number().int().min(1024).max(65535).default(41000),
        end: z.number().int().min(1024).max(65535).default(41999),
      })
      .strict()
      .refine((r) => r.start <= r.end, { message: "start must not be greater than end" })
      .default({ start: 41000, end: 41999 }),
    copy_files: z.array(relativePath).default([".env", ".env.local"]),
    gates: z.array(z.string()).default([]),
    /** Per service, what it may reach past its workspace (refused without an entry here). */
    allow: z.record(z.string().min(1), z.array(z.enum(SERVICE_RISKS))).default({}),

    agent: agentSchema.default({ env: [], files: [], mounts: [] }),
    tasks: z
      .object({
        /** Lets a task's assignee approve its own review (solo projects); off by default. */
        allow_self_review: z.boolean().default(false),
        /** Permits `task update --allow-check-change`: weakening a started task's checks without a review. */
        allow_check_change: z.boolean().default(false),
        /** Seconds each check may run before it is stopped (`task complete --timeout` overrides it). */
        gate_timeout: z.number().int().min(1).max(86_400).default(1800),
        /** Globs of the files checks depend on; a task whose change touches one needs a review. */
        check_files: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .default({ allow_self_review: false, allow_check_change: false, gate_timeout: 1800 }),
    /** `nexus land`: the branch done work lands on; default: the branch the main checkout has checked out. */
    land: z
      .object({
        target: z
          .string()
          .regex(/^[\w./-]+$/)
          .optional(),
        /** The integration workspace's template (default: default_template): where landings are checked. */
        template: z
          .string()
          .regex(/^[\w.-]+$/)
          .optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type NexusConfig = z.output<typeof configSchema>;
export type AgentConfig = NexusConfig["agent"];

/** `~/x` as a path in `home`; other paths unchanged. */
export function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? `${home}/${path.slice(2)}` : path;
}

const HINT = "Fix .nexus/config.yaml (see docs/configuration.md), or delete it and run `nexus init`.";

export function loadConfig(paths: ProjectPaths): NexusConfig {
  if (!existsSync(paths.configFile)) return configSchema.parse({});
  return readYamlFile(paths.configFile, configSchema, HINT);
}

/** What `init` found in the repository: its devcontainer.json or compose file is proposed. */
export interface DetectedEnvironment {
  kind: "devcontainer" | "compose" | "template";
  file?: string;
  /** compose: what `compose.files` gets, the file and the override Compose reads with it. */
  files?: string[];
  devService?: string;
  /** compose: every compose file found (with its override), in the order init looks. */
  candidates?: { file: string; override?: string }[];
  /** No service to work in: the language and version of the dev container Nexus adds. */
  ownDev?: DevLanguage;
}

/** A path as a YAML scalar: plain when it is only path characters, else quoted. */
const scalar = (text: string) => (/^[\w./-]+$/.test(text) ? text : JSON.stringify(text));

function environmentLines(found: DetectedEnvironment | undefined): string {
  const head =
    "# Where workspace containers come from when --template is not given: a template name (node-postgres,\n" +
    '# go-postgres, python-postgres, .nexus/templates/NAME), "devcontainer", "compose" or "none".';
  if (found?.kind === "devcontainer") return `${head}\n${foundLines(found)}default_template: devcontainer`;
  if (found?.kind === "compose") {
    const dev = found.devService
      ? `  dev_service: ${found.devService}   # the service you work in (exec, shell, ssh, gates)`
      : `  # dev_service: app   # the service you work in; unset: Nexus adds its own (${found.ownDev?.label ?? "Debian"})`;
    const files = found.files ?? [found.file ?? ""];
    return `${head}\n${foundLines(found)}default_template: compose\ncompose:\n  files: [${files.map(scalar).join(", ")}]\n${dev}`;
  }
  return `${head}\ndefault_template: node-postgres`;
}

/** Which compose file init chose, and the others it saw (a comment: list one in compose.files to use it). */
function foundLines(found: DetectedEnvironment): string {
  const others = (found.candidates ?? []).filter((c) => c.file !== found.file);
  let text = `# Found ${scalar(found.file ?? "")}${found.files?.[1] ? ` with its override ${scalar(found.files[1])}` : ""}.\n`;
  if (others.length)
    text +=
      `# Other compose files: ${others.map((c) => scalar(c.file)).join(", ")}. To use one, list it (and its\n` +
      "# override) under compose.files (with default_template: compose); its relative paths resolve from its\n" +
      "# folder (compose.project_directory).\n";
  return text;
}

/** Compose reads `.env` from the project directory: a compose file in a folder gets that folder's copied. */
function copyFiles(found: DetectedEnvironment | undefined): string[] {
  const dir =
    found?.kind === "compose" && found.file?.includes("/") ? found.file.replace(/\/[^/]*$/, "") : "";
  return dir ? [".env", ".env.local", `${dir}/.env`] : [".env", ".env.local"];
}

export function writeDefaultConfig(
  file: string,
  options: { gates: string[]; environment?: DetectedEnvironment },
): void {
  const gates = options.gates.length
    ? options.gates.map((g) => `  - ${JSON.stringify(g)}`).join("\n")
    : "  []";
  writeFileSync(
    file,
    `# Nexus project settings. Docs: docs/configuration.md
version: 1
${environmentLines(options.environment)}
# Host ports for published container ports are allocated from this range, on 127.0.0.1 only.
ports:
  start: 41000
  end: 41999
# Gitignored files copied from the main checkout into every new worktree.
copy_files:
${copyFiles(options.environment)
  .map((f) => `  - ${scalar(f)}`)
  .join("\n")}
# Default verification gates for tasks without their own checks.
gates:
${gates}
# Task rules. allow_self_review: true lets whoever did a task approve its review (solo projects).
# allow_check_change: true permits "task update --allow-check-change", which waives the review a
# started task needs after its checks are weakened.
tasks:
  allow_self_review: false
  allow_check_change: false
# What an agent run by \`nexus ralph run\` gets from the host inside the dev container, and nothing else
# (docs/agents.md): variables by name, files copied into the container user's home, read-only mounts.
# agent:
#   env: [ANTHROPIC_API_KEY]
#   files: ["~/.claude/.credentials.json", "~/.claude.json"]
#   mounts: [{ source: "~/.local/share/claude", target: "/opt/claude" }]
`,
  );
}
