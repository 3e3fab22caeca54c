import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findComposeFiles } from "../../core/compose-files.js";
import type { NexusConfig } from "../../core/config.js";
import { type DevLanguage, detectDevLanguage } from "../../core/dev-language.js";
import { UsageError } from "../../core/errors.js";
import type { ProjectPaths } from "../../core/paths.js";
import { composeFileIn, composeOverrideFor, DEVCONTAINER_FILES } from "../../core/project-files.js";
import { checkProfiles } from "../names.js";
import { OWN_DEV_SERVICE } from "./own-dev.js";
import { loadTemplate } from "./templates.js";
import type { Environment } from "./types.js";

export interface EnvironmentContext {
  paths: ProjectPaths;
  config: NexusConfig;
}

/**
 * The environment name a create uses: `--template`, else the config's choice, else what the repository
 * has (a devcontainer.json, then a compose file named in config), else the node-postgres built-in.
 */
export function environmentName(ctx: EnvironmentContext, template?: string): string {
  if (template) return template;
  if (ctx.config.default_template) return ctx.config.default_template;
  if (DEVCONTAINER_FILES.some((f) => existsSync(join(ctx.paths.root, f)))) return "devcontainer";
  if (ctx.config.compose?.dev_service) return "compose";
  return "node-postgres";
}

/**
 * Reads an environment for a workspace whose worktree is `worktree` (files come from the worktree, so
 * each branch runs its own version). "none" has no environment.
 */
export async function loadEnvironment(
  ctx: EnvironmentContext,
  name: string,
  worktree: string,
  profiles: string[] = [],
): Promise<Environment | undefined> {
  const env = await environmentOf(ctx, name, worktree);
  return env && { ...env, profiles };
}

async function environmentOf(
  ctx: EnvironmentContext,
  name: string,
  worktree: string,
): Promise<Environment | undefined> {
  if (name === "none") return undefined;
  if (name === "devcontainer") return devcontainerEnvironment(ctx, worktree);
  if (name === "compose") return composeEnvironment(ctx, worktree);
  const branchTemplates = join(worktree, ".nexus", "templates");
  const dir = existsSync(join(branchTemplates, name)) ? branchTemplates : ctx.paths.templatesDir;
  // Relative paths in a template name the repository's files, as in its own compose.yaml.
  return { ...(await loadTemplate(name, dir)), projectDir: worktree };
}

/**
 * The Compose profiles a new workspace records: `--profile`, the config's `compose.profiles` (for the
 * compose environment) and COMPOSE_PROFILES from the environment, each once. `up` reuses them.
 */
export function workspaceProfiles(
  ctx: EnvironmentContext,
  envName: string,
  requested: string[] = [],
): string[] {
  const fromEnv = (process.env.COMPOSE_PROFILES ?? "").split(",").map((p) => p.trim());
  const configured = envName === "compose" ? (ctx.config.compose?.profiles ?? []) : [];
  return checkProfiles([...requested, ...configured, ...fromEnv]);
}

/** Checks a name before anything is made: unknown templates and missing files fail early. */
export async function checkEnvironmentName(ctx: EnvironmentContext, name: string): Promise<void> {
  if (name === "none") return;
  if (name === "devcontainer") return void devcontainerFile(ctx, ctx.paths.root);
  if (name === "compose") return void composeFiles(ctx, ctx.paths.root);
  await loadTemplate(name, ctx.paths.templatesDir);
}

function devcontainerFile(ctx: EnvironmentContext, worktree: string): string {
  const candidates = ctx.config.devcontainer ? [ctx.config.devcontainer.config] : DEVCONTAINER_FILES;
  const found = candidates.map((f) => join(worktree, f)).find((f) => existsSync(f));
  if (found) return found;
  throw new UsageError(
    `No ${candidates.join(" or ")} in ${worktree}.`,
    "Commit a devcontainer.json, set `devcontainer.config` in .nexus/config.yaml, or pick a template with --template.",
  );
}

async function devcontainerEnvironment(ctx: EnvironmentContext, worktree: string): Promise<Environment> {
  const configFile = devcontainerFile(ctx, worktree);
  const { loadDevcontainer } = await import("./devcontainer/load.js");
  return loadDevcontainer({
    worktree,
    configFile,
    cacheDir: join(ctx.paths.nexusDir, "cache", "devcontainer"),
  });
}

/**
 * `compose.files`, else what `docker compose` finds: the first compose file (the root first, then
 * where init looks) and the override Compose reads next to it.
 */
function composeFiles(ctx: EnvironmentContext, worktree: string): string[] {
  const configured = ctx.config.compose?.files;
  const names = configured ?? defaultComposeFiles(worktree);
  const files = names.map((f) => join(worktree, f));
  const missing = files.find((f) => !existsSync(f));
  if (missing) {
    throw new UsageError(
      `No compose file at ${missing}.`,
      "Commit it, or list your files under `compose.files` in .nexus/config.yaml.",
    );
  }
  return files;
}

function defaultComposeFiles(worktree: string): string[] {
  const file = composeFileIn(worktree, "") ?? findComposeFiles(worktree)[0]?.file ?? "compose.yaml";
  const override = composeOverrideFor(worktree, file);
  return override ? [file, override] : [file];
}

/** Compose's project directory: `compose.project_directory`, else the first file's folder. */
function composeProjectDir(ctx: EnvironmentContext, worktree: string, files: string[]): string {
  const configured = ctx.config.compose?.project_directory;
  if (!configured) return dirname(files[0]!);
  const dir = join(worktree, configured);
  if (!existsSync(dir))
    throw new UsageError(
      `compose.project_directory: no folder ${configured} in ${worktree}.`,
      "Set it to a folder of the repository (relative paths in the compose files resolve from it), or remove it.",
    );
  return dir;
}

function composeEnvironment(ctx: EnvironmentContext, worktree: string): Environment {
  const files = composeFiles(ctx, worktree);
  const settings = ctx.config.compose;
  // No service to work in named: Nexus adds its own, for the language the repository is written in.
  const ownDev: DevLanguage | undefined = settings?.dev_service ? undefined : detectDevLanguage(worktree);
  const hash = createHash("sha256").update(JSON.stringify([settings ?? {}, ownDev ?? {}]));
  for (const file of files) hash.update(readFileSync(file));
  return {
    name: "compose",
    kind: "compose",
    source: files[0]!,
    description: `the repository's ${files.map((f) => f.slice(worktree.length + 1)).join(" + ")}`,
    files,
    projectDir: composeProjectDir(ctx, worktree, files),
    devService: settings?.dev_service ?? OWN_DEV_SERVICE,
    ownDev,
    workspaceFolder: settings?.workspace_folder ?? "/workspace",
    ssh: settings?.ssh ?? true,
    // Nexus's own dev image runs sshd.
    sshPort: ownDev ? true : undefined,
    postCreate: [],
    postStart: [],
    updateRemoteUserUID: true,
    containerEnv: {},
    remoteEnv: {},
    forwardPorts: [],
    hostEnv: {},
    overrideCommand: false,
    hash: hash.digest("hex").slice(0, 16),
  };
}

const loaded = new WeakMap<object, Map<string, Promise<Environment | undefined>>>();

/** An existing workspace's environment, read once per command from its own worktree. */
export function environmentFor(
  ctx: EnvironmentContext,
  record: { template: string; worktreePath: string; profiles: string[]; host?: string | null },
): Promise<Environment | undefined> {
  const cache = loaded.get(ctx) ?? new Map<string, Promise<Environment | undefined>>();
  loaded.set(ctx, cache);
  // A remote workspace's files are read from this checkout (the host's copies are not here).
  const worktree = record.host ? ctx.paths.root : record.worktreePath;
  const key = `${record.template}\0${worktree}\0${record.profiles.join(",")}`;
  const found = cache.get(key) ?? loadEnvironment(ctx, record.template, worktree, record.profiles);
  cache.set(key, found);
  return found;
}
