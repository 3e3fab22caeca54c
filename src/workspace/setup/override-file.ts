import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeAtomic } from "../../core/atomic.js";
import { expandHome } from "../../core/config.js";
import { type ProjectContext, runtimeScript } from "../context.js";
import type { ComposeProject } from "../engine/compose.js";
import type { ComposeModel } from "../engine/compose-model.js";
import { writableGitDirs } from "../environment/git-mounts.js";
import type { BuiltImage } from "../environment/images.js";
import { buildOverride, type HostSetup, type OverrideInput } from "../environment/override.js";
import { overrideYaml } from "../environment/override-yaml.js";
import type { Environment } from "../environment/types.js";
import { projectName, type WorkspaceRef } from "../names.js";
import type { PortRecord, WorkspaceRecord } from "../store.js";

/**
 * Where a remote workspace's files are on its host (remote/placement.ts makes one): the model is read
 * from this machine's checkout, and every path Compose is given is the host's.
 */
export interface Placement {
  /** Text naming this machine's checkout or Nexus's package, naming the host's copies instead. */
  relocate(text: string): string;
  mounts: Omit<OverrideInput["mounts"], "agent">;
  /** The host's user (files written in containers belong to it) and its copy of the CA bundle. */
  host: Pick<HostSetup, "uid" | "gid" | "user" | "caFile">;
  /** Before ports are leased: this workspace's tunnels closed (they hold its local ports). */
  beforePorts(): Promise<void>;
  /** Before `compose up`: the override copied to the host (its path there), images there, tunnels open. */
  beforeUp(step: { override: string; ports: PortRecord[]; images: string[] }): Promise<string>;
}

/** `.nexus/compose/NAME.yaml`: inspectable (`nexus workspace config NAME`), rewritten on every start. */
export function overridePath(ctx: ProjectContext, workspace: string): string {
  return join(ctx.paths.nexusDir, "compose", `${workspace}.yaml`);
}

/** `.nexus/logs/build-NAME.log`: the whole output of the last failed build (mode 0600). */
export function buildLogPath(ctx: ProjectContext, workspace: string): string {
  return join(ctx.paths.nexusDir, "logs", `build-${workspace}.log`);
}

export interface OverrideFileInput {
  ctx: ProjectContext;
  env: Environment;
  model: ComposeModel;
  ref: WorkspaceRef;
  host: HostSetup;
  images: Record<string, BuiltImage>;
  services: string[];
  record: WorkspaceRecord;
  placement?: Placement;
}

/** Writes the override (the host's paths in it for a remote workspace); gives the Compose project. */
export async function writeOverride(input: OverrideFileInput, ports: PortRecord[]): Promise<ComposeProject> {
  const { ctx, env, ref, placement } = input;
  const file = overridePath(ctx, ref.workspace);
  const dir = join(ctx.paths.nexusDir, "compose");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, ".gitignore"))) writeFileSync(join(dir, ".gitignore"), "*\n");
  const mounts = placement ? { ...placement.mounts, agent: [] } : localMounts(ctx, input.record);
  const override = buildOverride(
    {
      ...input,
      ports,
      mounts,
      extraEnv: { ...ctx.config.env, ...ctx.config.workspaces[ref.workspace]?.env },
    },
    input.services,
  );
  // Where a remote workspace is, kept beside its ports and profiles: a rebuilt nexus.db reads it back.
  if (placement) {
    const { host, worktreePath: worktree, template } = input.record;
    override["x-nexus"] = { ...(override["x-nexus"] as object), host, worktree, template };
  }
  const text = overrideYaml(override);
  writeAtomic(file, placement ? placement.relocate(text) : text);
  if (!placement) return composeProject(ref, env, [...env.files, file]);
  // Images Nexus tags, and those the project names: the host gets what this machine already has.
  const named = input.services.map((s) => input.model.services[s]?.image);
  const images = [...Object.values(input.images).map((i) => i.tag), ...named].filter((tag): tag is string =>
    Boolean(tag),
  );
  const there = await placement.beforeUp({ override: file, ports, images });
  return remoteProject(ref, env, placement, there);
}

function localMounts(ctx: ProjectContext, record: WorkspaceRecord): OverrideInput["mounts"] {
  return {
    worktree: record.worktreePath,
    gitCommonDir: ctx.paths.gitCommonDir,
    gitWritable: writableGitDirs(ctx.paths.gitCommonDir, record.worktreePath),
    runtimeScript: runtimeScript(),
    agent: ctx.config.agent.mounts.map((m) => ({ ...m, source: expandHome(m.source, homedir()) })),
  };
}

/** Every Compose call of a workspace: its files, project directory and profiles (Nexus's own, only). */
export function composeProject(ref: WorkspaceRef, env: Environment, files: string[]): ComposeProject {
  return { name: projectName(ref), files, projectDir: env.projectDir, profiles: env.profiles ?? [] };
}

/** The same project as the host sees it: its copies of the files, and the override there. */
function remoteProject(
  ref: WorkspaceRef,
  env: Environment,
  placement: Placement,
  override?: string,
): ComposeProject {
  const files = env.files.map((f) => placement.relocate(f));
  const project = composeProject(ref, { ...env, projectDir: placement.relocate(env.projectDir) }, files);
  return override ? { ...project, files: [...files, override] } : project;
}

/** The Compose project of an existing workspace, override included (it is written at every start). */
export function workspaceProject(ctx: ProjectContext, workspace: string, env: Environment): ComposeProject {
  const ref = { repoId: ctx.repoId, workspace };
  const file = overridePath(ctx, workspace);
  return composeProject(ref, env, existsSync(file) ? [...env.files, file] : env.files);
}
