import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { escapeDollars } from "../override.js";
import type { DevcontainerConfig, MergedConfig } from "./map.js";

/** An image's own ENTRYPOINT and CMD (from `docker image inspect`). */
export interface ImageCommand {
  entrypoint: string[];
  cmd: string[];
}

/**
 * The devcontainers CLI's keep-alive entrypoint: run the features' entrypoints, then the arguments
 * (the image's own command when overrideCommand is false; none when true, so `exec` is a no-op) and
 * otherwise sleep until SIGTERM. Copied from the CLI's compose override (`/bin/sh -c ... -`).
 */
function keepAliveEntrypoint(entrypoints: string[], passThrough: string[]): string[] {
  const script = [
    "echo Container started",
    'trap "exit 0" 15',
    ...entrypoints,
    'exec "$@"',
    "while sleep 1 & wait $!; do :; done",
  ].join("\n");
  return ["/bin/sh", "-c", script, "-", ...passThrough];
}

/** What the dev service needs from the merged configuration; `notes` name what was left out. */
export interface ServiceExtras {
  service: Record<string, unknown>;
  volumes: Record<string, Record<string, never>>;
  notes: string[];
}

/**
 * entrypoint/command (keep-alive), environment (containerEnv), user (containerUser), init,
 * privileged, cap_add, security_opt and mounts: the keys Compose has a direct equivalent for.
 * `imageCommand` is needed only when overrideCommand is false and features add entrypoints.
 */
export function serviceExtras(
  merged: MergedConfig,
  overrideCommand: boolean,
  imageCommand?: ImageCommand,
  devcontainerId = "",
): ServiceExtras {
  const service: Record<string, unknown> = {};
  const entrypoints = merged.entrypoints ?? [];
  if (overrideCommand) {
    service.entrypoint = keepAliveEntrypoint(entrypoints, []).map(escapeDollars);
    service.command = [];
  } else if (entrypoints.length && imageCommand) {
    service.entrypoint = keepAliveEntrypoint(entrypoints, imageCommand.entrypoint).map(escapeDollars);
    service.command = imageCommand.cmd.map(escapeDollars);
  }
  const env = Object.entries(merged.containerEnv ?? {});
  if (env.length)
    service.environment = Object.fromEntries(env.map(([k, v]) => [k, escapeDollars(String(v))]));
  if (merged.containerUser) service.user = merged.containerUser;
  if (merged.init) service.init = true;
  if (merged.privileged) service.privileged = true;
  if (merged.capAdd?.length) service.cap_add = merged.capAdd;
  if (merged.securityOpt?.length) service.security_opt = merged.securityOpt;
  const mounts = mountsOf(merged.mounts ?? [], devcontainerId);
  if (mounts.volumes.length) service.volumes = mounts.volumes;
  return { service, volumes: mounts.named, notes: mounts.notes };
}

/** "type=volume,source=x,target=/y" or {type, source, target} → Compose long syntax. */
function mountsOf(mounts: NonNullable<MergedConfig["mounts"]>, devcontainerId: string) {
  const volumes: Record<string, string>[] = [];
  const named: Record<string, Record<string, never>> = {};
  const notes: string[] = [];
  for (const mount of mounts) {
    // ${devcontainerId} is the CLI's to fill in when it creates the container; Compose creates it here.
    const raw = typeof mount === "string" ? parseMount(mount) : mount;
    const fill = (v?: string) => v?.replaceAll(DEVCONTAINER_ID, devcontainerId);
    const m = { ...raw, source: fill(raw.source), target: fill(raw.target) };
    const type = m.type ?? "bind";
    if (
      (type !== "bind" && type !== "volume") ||
      !m.target ||
      (type === "bind" && !m.source?.startsWith("/"))
    ) {
      notes.push(
        `mounts ${JSON.stringify(mount)} ignored: only bind (absolute source) and volume mounts map to Compose`,
      );
      continue;
    }
    volumes.push({
      type,
      ...(m.source ? { source: escapeDollars(m.source) } : {}),
      target: escapeDollars(m.target),
    });
    if (type === "volume" && m.source) named[m.source] = {};
  }
  return { volumes, named, notes };
}

function parseMount(text: string): { type?: string; source?: string; target?: string } {
  const fields = Object.fromEntries(text.split(",").map((part) => part.split("=", 2) as [string, string]));
  return {
    type: fields.type,
    source: fields.source ?? fields.src,
    target: fields.target ?? fields.dst ?? fields.destination,
  };
}

/** runArgs Compose has a direct key for; the rest are returned as notes (ignored). */
export function runArgsExtras(runArgs: string[] | undefined): {
  service: Record<string, unknown>;
  notes: string[];
} {
  const service: Record<string, unknown> = {};
  const notes: string[] = [];
  const list = (key: string, value: string) => {
    service[key] = [...((service[key] as string[]) ?? []), value];
  };
  const args = runArgs ?? [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] ?? "").split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--init") service.init = true;
    else if (flag === "--privileged") service.privileged = true;
    else if (flag === "--cap-add") list("cap_add", value());
    else if (flag === "--security-opt") list("security_opt", value());
    else
      notes.push(
        `runArgs "${args[i]}" ignored: Nexus maps only --init, --privileged, --cap-add, --security-opt`,
      );
  }
  return { service, notes };
}

/** A generated compose file: a header naming its source and what was ignored, then the YAML. */
export function composeText(
  source: string,
  services: Record<string, unknown>,
  notes: string[],
  volumes = {},
): string {
  const header = [
    `# Generated by Nexus from ${source}; regenerated whenever that file changes: do not edit.`,
    "# Mapped: image, containerEnv, containerUser, init, privileged, capAdd, securityOpt, mounts,",
    "# runArgs --init/--privileged/--cap-add/--security-opt, overrideCommand (the CLI's keep-alive entrypoint).",
    "# Ignored here (Nexus's own override handles ports, the workspace mount and users): forwardPorts, appPort,",
    "# workspaceMount, remoteUser, remoteEnv, other runArgs.",
    ...notes.map((note) => `# Note: ${note.replace(/\n/g, " ")}`),
  ];
  const body: Record<string, unknown> = { services };
  if (Object.keys(volumes).length) body.volumes = volumes;
  return `${header.join("\n")}\n${stringify(body, { lineWidth: 0 })}`;
}

/** A config's fields that change what the image or container is, for the image tag's hash. */
export function imageFields(config: DevcontainerConfig): unknown {
  const { image, build, dockerFile, context, dockerComposeFile, service, features } = config;
  return { image, build, dockerFile, context, dockerComposeFile, service, features };
}

const DEVCONTAINER_ID = ["$", "{devcontainerId}"].join("");

/** The specification's stable per-container id: here, per worktree (a workspace's volumes stay its own). */
export function devcontainerIdOf(worktree: string): string {
  return createHash("sha256").update(worktree).digest("hex").slice(0, 32);
}
