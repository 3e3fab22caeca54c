import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { NexusConfig } from "../core/config.js";
import { type DevLanguage, detectDevLanguage } from "../core/dev-language.js";
import { UsageError } from "../core/errors.js";
import type { ProjectPaths } from "../core/paths.js";
import { COMPOSE_FILES, DEVCONTAINER_FILES } from "../core/project-files.js";
import type { Environment } from "./environment-types.js";
import { OWN_DEV_SERVICE } from "./own-dev.js";
import { loadTemplate } from "./templates.js";

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
): Promise<Environment | undefined> {
  if (name === "none") return undefined;
  if (name === "devcontainer") return devcontainerEnvironment(ctx, worktree);
  if (name === "compose") return composeEnvironment(ctx, worktree);
  const branchTemplates = join(worktree, ".nexus", "templates");
  const dir = existsSync(join(branchTemplates, name)) ? branchTemplates : ctx.paths.templatesDir;
  // Relative paths in a template name the repository's files, as in its own compose.yaml.
  return { ...(await loadTemplate(name, dir)), projectDir: worktree };
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
  const { loadDevcontainer } = await import("./devcontainer.js");
  return loadDevcontainer({
    worktree,
    configFile,
    cacheDir: join(ctx.paths.nexusDir, "cache", "devcontainer"),
  });
}

function composeFiles(ctx: EnvironmentContext, worktree: string): string[] {
  const configured = ctx.config.compose?.files;
  const names = configured ?? [COMPOSE_FILES.find((f) => existsSync(join(worktree, f))) ?? COMPOSE_FILES[0]!];
  const files = names.map((f) => join(worktree, f));
  const missing = files.find((f) => !existsSync(f));
  if (missing) {
    throw new UsageError(
      `No compose file at ${missing}.`,
      "Commit it, or list your files under `compose.files` in .nexus/config.yaml.",
    );
  }
  if (!configured) {
    for (const extra of ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml"])
      if (existsSync(join(worktree, extra))) files.push(join(worktree, extra));
  }
  return files;
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
    projectDir: worktree,
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
  record: { template: string; worktreePath: string },
): Promise<Environment | undefined> {
  const cache = loaded.get(ctx) ?? new Map<string, Promise<Environment | undefined>>();
  loaded.set(ctx, cache);
  const key = `${record.template}\0${record.worktreePath}`;
  const found = cache.get(key) ?? loadEnvironment(ctx, record.template, record.worktreePath);
  cache.set(key, found);
  return found;
}
