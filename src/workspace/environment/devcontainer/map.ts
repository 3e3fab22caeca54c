import { UsageError } from "../../../core/errors.js";
import type { LifecycleCommand } from "../types.js";

/** A lifecycle command as devcontainer.json allows it: shell string, argv array, or named parallel commands. */
export type LifecycleSource = string | string[] | Record<string, string | string[]>;

/** The devcontainer.json as `devcontainer read-configuration` prints it (variables substituted). */
export interface DevcontainerConfig {
  name?: string;
  image?: string;
  build?: { dockerfile?: string; context?: string; args?: Record<string, string>; target?: string };
  dockerFile?: string;
  context?: string;
  dockerComposeFile?: string | string[];
  service?: string;
  runServices?: string[];
  workspaceFolder?: string;
  features?: Record<string, unknown>;
  runArgs?: string[];
  [field: string]: unknown;
}

/** The configuration merged with image metadata and features (`--include-merged-configuration`). */
export interface MergedConfig {
  containerEnv?: Record<string, string>;
  remoteEnv?: Record<string, string | null>;
  remoteUser?: string;
  containerUser?: string;
  updateRemoteUserUID?: boolean;
  overrideCommand?: boolean;
  forwardPorts?: (number | string)[];
  init?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  securityOpt?: string[];
  entrypoints?: string[];
  mounts?: (string | { type?: string; source?: string; target?: string })[];
  onCreateCommands?: LifecycleSource[];
  updateContentCommands?: LifecycleSource[];
  postCreateCommands?: LifecycleSource[];
  postStartCommands?: LifecycleSource[];
  postAttachCommands?: LifecycleSource[];
}

/** What `read-configuration --include-merged-configuration` prints. */
export interface ReadConfiguration {
  configuration: DevcontainerConfig;
  workspace?: { workspaceFolder?: string };
  mergedConfiguration?: MergedConfig;
}

export type ConfigKind = "image" | "build" | "compose";

export function kindOf(config: DevcontainerConfig, file: string): ConfigKind {
  if (config.dockerComposeFile !== undefined) {
    if (typeof config.service !== "string" || !config.service)
      throw new UsageError(
        `${file}: "dockerComposeFile" needs "service" (the compose service you work in)`,
        'Add "service": "<name of the dev service in the compose file>".',
      );
    return "compose";
  }
  if (config.build?.dockerfile || config.dockerFile) return "build";
  if (typeof config.image === "string" && config.image) return "image";
  throw new UsageError(
    `${file}: no "image", "build.dockerfile" or "dockerComposeFile": Nexus does not know what to run`,
    'Add "image": "debian:bookworm-slim" (or a build or dockerComposeFile section).',
  );
}

/**
 * Flattens lifecycle commands in order: a string or argv array is one command; an object's values
 * (named commands the specification runs in parallel) become one command each, in key order.
 */
export function flattenLifecycle(
  sources: LifecycleSource[] | undefined,
  field: string,
  file: string,
): LifecycleCommand[] {
  const out: LifecycleCommand[] = [];
  for (const source of sources ?? []) {
    if (source === null || source === undefined || source === "") continue;
    if (typeof source === "string" || Array.isArray(source)) out.push(checkCommand(source, field, file));
    else if (typeof source === "object")
      for (const [name, command] of Object.entries(source))
        if (command !== null && command !== "") out.push(checkCommand(command, `${field}.${name}`, file));
  }
  return out.filter((command) => !Array.isArray(command) || command.length > 0);
}

function checkCommand(command: unknown, field: string, file: string): LifecycleCommand {
  if (typeof command === "string") return command;
  if (Array.isArray(command) && command.every((part) => typeof part === "string")) return command as string[];
  throw new UsageError(
    `${file}: "${field}" must be a string, an array of strings or an object of them`,
    'Write e.g. "npm install" or ["npm", "install"].',
  );
}

/** postCreate: onCreate, then updateContent, then postCreate. postStart: postStart, then postAttach. */
export function lifecycleOf(
  merged: MergedConfig,
  file: string,
): { postCreate: LifecycleCommand[]; postStart: LifecycleCommand[] } {
  return {
    postCreate: [
      ...flattenLifecycle(merged.onCreateCommands, "onCreateCommand", file),
      ...flattenLifecycle(merged.updateContentCommands, "updateContentCommand", file),
      ...flattenLifecycle(merged.postCreateCommands, "postCreateCommand", file),
    ],
    postStart: [
      ...flattenLifecycle(merged.postStartCommands, "postStartCommand", file),
      ...flattenLifecycle(merged.postAttachCommands, "postAttachCommand", file),
    ],
  };
}

/**
 * forwardPorts as dev-service port numbers. "service:port" strings count only for the dev service
 * (or "localhost"); others are left out with a note, since their services publish their own ports.
 */
export function forwardPortsOf(
  ports: (number | string)[] | undefined,
  devService: string,
  file: string,
): { ports: number[]; notes: string[] } {
  const out = new Set<number>();
  const notes: string[] = [];
  for (const port of ports ?? []) {
    const match = typeof port === "string" ? /^(?:([^:]+):)?(\d+)$/.exec(port) : undefined;
    const number = typeof port === "number" ? port : Number(match?.[2]);
    if (!Number.isInteger(number) || number < 1 || number > 65535)
      throw new UsageError(
        `${file}: "forwardPorts" entry ${JSON.stringify(port)} is not a port (1-65535) or "service:port"`,
        'Write e.g. "forwardPorts": [3000, "db:5432"].',
      );
    const host = match?.[1];
    if (host && host !== devService && host !== "localhost") {
      notes.push(`forwardPorts "${port}" ignored: ${host} is not the dev service (${devService})`);
      continue;
    }
    out.add(number);
  }
  return { ports: [...out], notes };
}

/**
 * Where the worktree is mounted. Image and Dockerfile configs: `workspaceFolder`, else the CLI's own
 * default `/workspaces/<worktree basename>`. Compose configs: the CLI's default is "/", which
 * cannot be a mount point, so Nexus requires the field.
 */
export function workspaceFolderOf(
  read: ReadConfiguration,
  kind: ConfigKind,
  worktree: string,
  file: string,
): string {
  const configured = read.configuration.workspaceFolder;
  if (typeof configured === "string" && configured.startsWith("/") && configured !== "/") return configured;
  if (kind === "compose")
    throw new UsageError(
      `${file}: "workspaceFolder" must be set to an absolute path other than "/" for a dockerComposeFile configuration`,
      'Nexus mounts the worktree there: add e.g. "workspaceFolder": "/workspaces/app".',
    );
  if (configured !== undefined)
    throw new UsageError(
      `${file}: "workspaceFolder" must be an absolute path other than "/"`,
      'Write e.g. "/workspaces/app".',
    );
  const fromCli = read.workspace?.workspaceFolder;
  return fromCli && fromCli !== "/" ? fromCli : `/workspaces/${worktree.split("/").filter(Boolean).at(-1)}`;
}

/** remoteEnv without the null values that unset a variable (Nexus sets, it does not unset). */
export function remoteEnvOf(merged: MergedConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged.remoteEnv ?? {}))
    if (typeof value === "string") out[name] = value;
  return out;
}
