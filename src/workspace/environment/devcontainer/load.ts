import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { NotFoundError, UsageError } from "../../../core/errors.js";
import type { Environment } from "../types.js";
import { configKey, hashInputs, readCache, sha256, writeCache, writeGenerated } from "./cache.js";
import { devcontainerCli } from "./cli.js";
import { composeText, devcontainerIdOf, imageFields, runArgsExtras, serviceExtras } from "./compose.js";
import { checkJsonc } from "./errors.js";
import {
  type ConfigKind,
  type DevcontainerConfig,
  forwardPortsOf,
  kindOf,
  lifecycleOf,
  type ReadConfiguration,
  remoteEnvOf,
  workspaceFolderOf,
} from "./map.js";
import {
  buildImage,
  type DevcontainerDeps,
  defaultDeps,
  readConfiguration,
  type StepContext,
} from "./steps.js";

export type { DevcontainerDeps } from "./steps.js";

export interface LoadDevcontainerOptions {
  /** Absolute path of the workspace's git worktree (the "workspace folder"). */
  worktree: string;
  /** Absolute path of its .devcontainer/devcontainer.json (or .devcontainer.json). */
  configFile: string;
  /** A writable folder for generated compose files and cached results. */
  cacheDir: string;
  onProgress?: (line: string) => void;
  /** How long `read-configuration` may take (default 10 min: it pulls a missing image). */
  readTimeoutMs?: number;
  /** How long `devcontainer build` may take (default 30 min). */
  buildTimeoutMs?: number;
  /** How long fetching a registry feature may hang without progress (default 20 s). */
  registryTimeoutMs?: number;
}

/** Fields Nexus cannot honour; each is named in a note when present. */
const IGNORED: Record<string, string> = {
  initializeCommand: "it would run on the host; Nexus does not run host commands",
  workspaceMount: "Nexus mounts the worktree at workspaceFolder itself",
  appPort: "use forwardPorts",
  shutdownAction: "Nexus's own down/destroy decide",
};

/**
 * The Environment for a devcontainer.json, using the reference implementation (@devcontainers/cli)
 * to read and merge it and to build images with features. Cached by content hash in `cacheDir`:
 * while the config, its Dockerfile, compose files, local features and `.devcontainer` folder are
 * unchanged, a call reads one cache file and starts no CLI (only `docker image inspect` when an
 * image was built, so a pruned image is rebuilt rather than pulled from nowhere).
 */
export async function loadDevcontainer(
  options: LoadDevcontainerOptions,
  deps: DevcontainerDeps = defaultDeps,
): Promise<Environment> {
  const source = sourceName(options.worktree, options.configFile);
  const text = readConfigText(options.configFile, source);
  await checkJsonc(text, source);
  const cli = devcontainerCli();
  const key = configKey({
    worktree: options.worktree,
    configFile: options.configFile,
    text,
    cliVersion: cli.version,
  });
  const hit = readCache(options.cacheDir, key);
  if (hit && (!hit.builtImage || (await deps.imageExists(hit.builtImage)))) {
    for (const note of hit.notes ?? []) options.onProgress?.(`note: ${note}`);
    return hit.environment;
  }
  const ctx: StepContext = {
    worktree: options.worktree,
    configFile: options.configFile,
    source,
    deps,
    onProgress: options.onProgress,
    readTimeoutMs: options.readTimeoutMs ?? 10 * 60_000,
    buildTimeoutMs: options.buildTimeoutMs ?? 30 * 60_000,
    registryTimeoutMs: options.registryTimeoutMs ?? 20_000,
  };
  const read = await readConfiguration(ctx);
  const kind = kindOf(read.configuration, source);
  const inputs = hashInputs(inputPaths(read.configuration, options.configFile));
  const hash = sha256(key, JSON.stringify(inputs));
  const made = await resolveEnvironment({ ctx, read, kind, inputs, hash, cacheDir: options.cacheDir });
  for (const note of made.notes) options.onProgress?.(`note: ${note}`);
  writeCache(options.cacheDir, key, { inputs, ...made });
  return made.environment;
}

interface Resolution {
  ctx: StepContext;
  read: ReadConfiguration;
  kind: ConfigKind;
  inputs: Record<string, string>;
  hash: string;
  cacheDir: string;
}

interface Made {
  environment: Environment;
  builtImage?: string;
  notes: string[];
}

/** Builds the image if features or a Dockerfile need one, writes the compose file(s), maps the rest. */
async function resolveEnvironment(r: Resolution): Promise<Made> {
  const { configuration: config } = r.read;
  const merged = r.read.mergedConfiguration ?? {};
  const tag = imageTag(r, config);
  const needsBuild = r.kind === "build" || Object.keys(config.features ?? {}).length > 0;
  if (needsBuild) await buildImage(r.ctx, tag);
  const overrideCommand = merged.overrideCommand ?? r.kind !== "compose";
  const devService = r.kind === "compose" ? (config.service as string) : "dev";
  const dir = join(r.cacheDir, r.hash.slice(0, 16));
  const notes = ignoredNotes(config);
  const files =
    r.kind === "compose"
      ? await composeFiles({ r, dir, image: needsBuild ? tag : undefined, overrideCommand, notes })
      : [
          await generatedFile({
            r,
            dir,
            image: needsBuild ? tag : (config.image as string),
            overrideCommand,
            notes,
          }),
        ];
  const ports = forwardPortsOf(merged.forwardPorts, devService, r.ctx.source);
  notes.push(...ports.notes);
  const environment: Environment = {
    name: "devcontainer",
    kind: "devcontainer",
    source: r.ctx.source,
    description: config.name ?? `${r.ctx.source} (${describe(r.kind, config)})`,
    files,
    projectDir: r.kind === "compose" ? dirname(files[0]!) : r.ctx.worktree,
    devService,
    ...(r.kind === "compose" && Array.isArray(config.runServices) ? { runServices: config.runServices } : {}),
    workspaceFolder: workspaceFolderOf(r.read, r.kind, r.ctx.worktree, r.ctx.source),
    ssh: false,
    ...lifecycleOf(merged, r.ctx.source),
    ...((merged.remoteUser ?? merged.containerUser)
      ? { remoteUser: merged.remoteUser ?? merged.containerUser }
      : {}),
    updateRemoteUserUID: merged.updateRemoteUserUID ?? true,
    containerEnv: { ...(merged.containerEnv ?? {}) },
    remoteEnv: remoteEnvOf(merged),
    forwardPorts: ports.ports,
    hostEnv: {},
    overrideCommand,
    hash: r.hash,
  };
  return { environment, ...(needsBuild ? { builtImage: tag } : {}), notes };
}

interface FileRequest {
  r: Resolution;
  dir: string;
  image: string | undefined;
  overrideCommand: boolean;
  notes: string[];
}

/** Image and Dockerfile configs: one generated compose file with one service, `dev`. */
async function generatedFile(f: FileRequest): Promise<string> {
  const merged = f.r.read.mergedConfiguration ?? {};
  const image = f.image as string;
  const imageCommand =
    !f.overrideCommand && merged.entrypoints?.length ? await f.r.ctx.deps.imageCommand(image) : undefined;
  const extras = serviceExtras(merged, f.overrideCommand, imageCommand, devcontainerIdOf(f.r.ctx.worktree));
  const runArgs = runArgsExtras(f.r.read.configuration.runArgs);
  f.notes.push(...extras.notes, ...runArgs.notes);
  const service = { image, ...runArgs.service, ...extras.service };
  for (const list of ["cap_add", "security_opt"] as const) {
    const both = [
      ...((runArgs.service[list] as string[]) ?? []),
      ...((extras.service[list] as string[]) ?? []),
    ];
    if (both.length) Object.assign(service, { [list]: [...new Set(both)] });
  }
  const file = join(f.dir, "compose.yaml");
  writeGenerated(file, composeText(f.r.ctx.source, { dev: service }, f.notes, extras.volumes));
  return file;
}

/**
 * dockerComposeFile configs: the project's files (relative to the devcontainer.json's folder), plus
 * a generated file for the dev service when features built an image or the merged configuration
 * sets what the CLI's own override would (keep-alive entrypoint, containerEnv, user, capabilities).
 */
async function composeFiles(f: FileRequest): Promise<string[]> {
  const config = f.r.read.configuration;
  const merged = f.r.read.mergedConfiguration ?? {};
  const configDir = dirname(f.r.ctx.configFile);
  const listed = Array.isArray(config.dockerComposeFile)
    ? config.dockerComposeFile
    : [config.dockerComposeFile];
  const files = listed.map((file) => resolve(configDir, String(file)));
  if (!f.overrideCommand && merged.entrypoints?.length)
    throw new UsageError(
      `${f.r.ctx.source}: a feature sets an entrypoint, which Nexus can chain for a dockerComposeFile configuration only with "overrideCommand": true`,
      'Add "overrideCommand": true (the dev service then sleeps instead of running its command).',
    );
  const extras = serviceExtras(merged, f.overrideCommand, undefined, devcontainerIdOf(f.r.ctx.worktree));
  f.notes.push(...extras.notes);
  if (config.runArgs?.length)
    f.notes.push("runArgs ignored: a dockerComposeFile configuration sets them in the compose file");
  const service = { ...(f.image ? { image: f.image } : {}), ...extras.service };
  if (!Object.keys(service).length) return files;
  const extra = join(f.dir, "compose.devcontainer.yaml");
  writeGenerated(
    extra,
    composeText(f.r.ctx.source, { [config.service as string]: service }, f.notes, extras.volumes),
  );
  return [...files, extra];
}

/** `nexus/devcontainer-<hash12>:latest`, from what shapes the image, not from where the worktree is. */
function imageTag(r: Resolution, config: DevcontainerConfig): string {
  const configDir = dirname(r.ctx.configFile);
  const contents = Object.entries(r.inputs).map(([path, hash]) => `${relative(configDir, path)}=${hash}`);
  const hash = sha256(devcontainerCli().version, JSON.stringify(imageFields(config)), contents.join("\n"));
  return `nexus/devcontainer-${hash.slice(0, 12)}:latest`;
}

/** The files whose content decides the result: the config, its folder, Dockerfile, compose files, local features. */
function inputPaths(config: DevcontainerConfig, configFile: string): string[] {
  const configDir = dirname(configFile);
  const paths = [configFile];
  if (basename(configDir) === ".devcontainer") paths.push(configDir);
  const dockerfile = config.build?.dockerfile ?? config.dockerFile;
  if (typeof dockerfile === "string") paths.push(resolve(configDir, dockerfile));
  const compose = config.dockerComposeFile;
  for (const file of Array.isArray(compose) ? compose : compose ? [compose] : [])
    paths.push(resolve(configDir, String(file)));
  for (const id of Object.keys(config.features ?? {}))
    if (id.startsWith("./") || id.startsWith("../")) paths.push(resolve(configDir, id));
  return paths;
}

function ignoredNotes(config: DevcontainerConfig): string[] {
  return Object.entries(IGNORED)
    .filter(([field]) => config[field] !== undefined)
    .map(([field, why]) => `${field} ignored: ${why}`);
}

function describe(kind: ConfigKind, config: DevcontainerConfig): string {
  if (kind === "image") return `image ${config.image}`;
  if (kind === "build") return `Dockerfile ${config.build?.dockerfile ?? config.dockerFile}`;
  return `compose service ${config.service}`;
}

function sourceName(worktree: string, configFile: string): string {
  const rel = relative(worktree, configFile);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : configFile;
}

function readConfigText(configFile: string, source: string): string {
  if (!existsSync(configFile))
    throw new NotFoundError(
      `${source}: not found`,
      "Create it (see https://containers.dev/implementors/json_reference/) or choose another environment.",
    );
  if (statSync(configFile).isDirectory())
    throw new UsageError(
      `${source}: is a folder, not a devcontainer.json file`,
      "Point at the JSON file inside it.",
    );
  return readFileSync(configFile, "utf8");
}
