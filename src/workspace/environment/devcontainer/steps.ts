import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { NexusError } from "../../../core/errors.js";
import { run } from "../../../core/process.js";
import { BuildLog } from "../../engine/build-log.js";
import { progressPrinter } from "../../engine/build-progress.js";
import { type CliRunner, lastJson, runDevcontainerCli } from "./cli.js";
import type { ImageCommand } from "./compose.js";
import { cliFailure } from "./errors.js";
import type { ReadConfiguration } from "./map.js";

/** The processes loadDevcontainer starts, injectable so unit tests run none. */
export interface DevcontainerDeps {
  cli: CliRunner;
  imageExists: (image: string) => Promise<boolean>;
  imageCommand: (image: string) => Promise<ImageCommand>;
}

export const defaultDeps: DevcontainerDeps = {
  cli: runDevcontainerCli,
  imageExists: async (image) =>
    (await run("docker", ["image", "inspect", "--format", "{{.Id}}", image])).exitCode === 0,
  imageCommand: async (image) => {
    const format = "{{json .Config.Entrypoint}}\n{{json .Config.Cmd}}";
    const result = await run("docker", ["image", "inspect", "--format", format, image]);
    if (result.exitCode !== 0)
      throw new NexusError(`Could not inspect image ${image}: ${result.stderr.trim()}`, {
        category: "docker",
      });
    const [entrypoint, cmd] = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as string[] | null);
    return { entrypoint: entrypoint ?? [], cmd: cmd ?? [] };
  },
};

/** What each CLI step needs: where, which file, how long it may take, and whom to tell. */
export interface StepContext {
  worktree: string;
  configFile: string;
  /** The file as messages name it (relative to the worktree). */
  source: string;
  deps: DevcontainerDeps;
  onProgress?: (line: string) => void;
  readTimeoutMs: number;
  buildTimeoutMs: number;
  /** How long a registry feature's fetch may sit without progress before it counts as unreachable. */
  registryTimeoutMs: number;
}

/** The CLI's last line while it fetches a feature from a registry (local "./x" features excluded). */
const FETCHING_FEATURE = /^(Resolving Feature dependencies for '|\* Processing feature: )(?!\.\.?\/)/;

/**
 * `devcontainer read-configuration --include-merged-configuration`: the configuration with its
 * variables substituted, merged with image metadata and features. Logs at debug level: at info
 * level the CLI prints no reason when a file is invalid. `--mount-workspace-git-root false`: the
 * worktree itself is the workspace folder, never a repository above it.
 */
export async function readConfiguration(ctx: StepContext): Promise<ReadConfiguration> {
  const args = ["read-configuration", "--workspace-folder", ctx.worktree, "--config", ctx.configFile];
  args.push("--include-merged-configuration", "--mount-workspace-git-root", "false", "--log-level", "debug");
  ctx.onProgress?.(`devcontainer read-configuration ${ctx.source}`);
  const stall = { pattern: FETCHING_FEATURE, ms: ctx.registryTimeoutMs };
  const result = await ctx.deps.cli(args, { timeoutMs: ctx.readTimeoutMs, stall });
  if (result.exitCode !== 0 || result.timedOut)
    throw cliFailure("read-configuration", ctx.source, result, ctx.readTimeoutMs);
  const parsed = lastJson(result.stdout) as ReadConfiguration | undefined;
  if (!parsed?.configuration)
    throw new NexusError(`${ctx.source}: devcontainer read-configuration printed no configuration`, {
      category: "internal",
      hint: `Its output was: ${result.stdout.slice(0, 200)}`,
    });
  return parsed;
}

/**
 * `devcontainer build --image-name <tag>`, unless the tag already exists. Without a lockfile next to
 * the config, `--no-lockfile` keeps the CLI from writing one into the user's worktree.
 */
export async function buildImage(ctx: StepContext, tag: string): Promise<void> {
  if (await ctx.deps.imageExists(tag)) {
    ctx.onProgress?.(`image ${tag} exists: not building`);
    return;
  }
  const args = ["build", "--workspace-folder", ctx.worktree, "--config", ctx.configFile, "--image-name", tag];
  if (!existsSync(lockFileOf(ctx.configFile))) args.push("--no-lockfile");
  ctx.onProgress?.(`devcontainer build ${ctx.source} → ${tag}`);
  const stall = { pattern: FETCHING_FEATURE, ms: ctx.registryTimeoutMs };
  // A line per Dockerfile step on the terminal (every line with -v), as for Compose's builds.
  const printer = progressPrinter(new BuildLog());
  const onLine = (line: string) => {
    printer.line(line);
    ctx.onProgress?.(line);
  };
  const result = await ctx.deps
    .cli(args, { timeoutMs: ctx.buildTimeoutMs, onLine, stall })
    .finally(printer.stop);
  const outcome = lastJson(result.stdout);
  if (result.exitCode !== 0 || result.timedOut || outcome?.outcome !== "success")
    throw cliFailure("build", ctx.source, result, ctx.buildTimeoutMs);
}

/** The specification's lockfile: `.devcontainer-lock.json` beside `.devcontainer.json`, else `devcontainer-lock.json`. */
function lockFileOf(configFile: string): string {
  const name = basename(configFile).startsWith(".") ? ".devcontainer-lock.json" : "devcontainer-lock.json";
  return join(dirname(configFile), name);
}
