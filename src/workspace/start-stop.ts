import { existsSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { emit } from "../core/events.js";
import type { ProjectContext } from "./context.js";
import { removeWorkspaceResources, stopServices } from "./engine/containers.js";
import { getDocker, pingEngine } from "./engine/docker.js";
import { environmentFor } from "./environment/environment.js";
import { checkProfiles } from "./names.js";
import { onHost } from "./on-host.js";
import { runPostCommands } from "./setup/post-commands.js";
import { type StartOptions, startWorkspace } from "./setup/runtime.js";
import { hostAlias, removeHostEntry } from "./setup/ssh.js";
import type { WorkspaceRecord } from "./store.js";
import type { WorkspaceSummary } from "./summary.js";
import { finish, summary } from "./summary.js";
import { deleteBranch, isDirty, removeWorktree } from "./worktree.js";

export async function upWorkspace(
  ctx: ProjectContext,
  name: string,
  options: Pick<StartOptions, "onStage" | "report"> & { profiles?: string[] } = {},
): Promise<WorkspaceSummary> {
  const { onStage, report, profiles = [] } = options;
  let record = ctx.store.get(name);
  if (profiles.some((p) => !record.profiles.includes(p))) {
    // Added to those recorded at create (the config's and COMPOSE_PROFILES were read then).
    ctx.store.update(name, { profiles: checkProfiles([...record.profiles, ...profiles]) });
    record = ctx.store.get(name);
  }
  if (!record.host && !existsSync(record.worktreePath)) {
    throw new NexusError(`The worktree of "${name}" is missing: ${record.worktreePath}`, {
      category: "git",
      hint: `Run \`nexus workspace repair ${name}\` to recreate it from branch ${record.branch}.`,
    });
  }
  const env = await environmentFor(ctx, record);
  if (!env) return summary(ctx, name);
  const current = record;
  return onHost(ctx, record, async (site) => {
    await pingEngine();
    const ref = { repoId: ctx.repoId, workspace: name };
    const remote = site && (await import("./remote/placement.js"));
    const placement = site && (await remote?.placementFor(ctx, site, ref, report));
    const started = await startWorkspace({ ctx, record: current, env, onStage, report, placement });
    await runPostCommands({ ctx, env, started, record: current, report });
    return finish(ctx, current, { env, started });
  });
}

export async function downWorkspace(ctx: ProjectContext, name: string): Promise<string[]> {
  const record = ctx.store.get(name);
  if (record.template === "none") return [];
  const ref = { repoId: ctx.repoId, workspace: name };
  const stopped = await onHost(ctx, record, async (site) => {
    const names = await stopServices(await getDocker(), ref);
    const { closeTunnels } = site ? await import("./remote/tunnel.js") : {};
    if (site) await closeTunnels?.(site.host, `${ref.repoId}/${ref.workspace}`);
    return names;
  });
  ctx.store.update(name, { state: "stopped" });
  return stopped;
}

export interface DestroyOptions {
  force?: boolean;
  deleteBranch?: boolean;
}

export async function destroyWorkspace(
  ctx: ProjectContext,
  name: string,
  options: DestroyOptions = {},
): Promise<void> {
  const record = ctx.store.get(name);
  if (record.host) await (await import("./remote/workspace.js")).destroyRemote(ctx, record, options);
  else await destroyHere(ctx, record, options);
  if (options.deleteBranch) await deleteBranch(ctx.paths.root, record.branch);
  const { rmSync } = await import("node:fs");
  const { buildLogPath, overridePath } = await import("./setup/override-file.js");
  for (const file of [overridePath(ctx, name), buildLogPath(ctx, name)]) rmSync(file, { force: true });
  ctx.store.remove(name);
  emit({
    name: "domain",
    data: { type: "workspace", action: "destroyed", subject: name, template: record.template },
  });
}

async function destroyHere(ctx: ProjectContext, record: WorkspaceRecord, options: DestroyOptions) {
  const name = record.name;
  if (!options.force && existsSync(record.worktreePath) && (await isDirty(record.worktreePath))) {
    throw new NexusError(`Workspace "${name}" has uncommitted changes.`, {
      category: "conflict",
      hint: `Commit or stash them in ${record.worktreePath}, or pass --force to discard them.`,
    });
  }
  const ref = { repoId: ctx.repoId, workspace: name };
  if (record.template !== "none") await removeWorkspaceResources(await getDocker(), ref);
  await removeWorktree(ctx.paths.root, record.worktreePath);
  removeHostEntry(hostAlias(ref));
}

/** `docker compose config` of the project's files plus Nexus's override: what Compose runs. */
export async function mergedConfig(
  ctx: ProjectContext,
  name: string,
  format: "yaml" | "json",
): Promise<string> {
  const record = ctx.store.get(name);
  const env = await environmentFor(ctx, record);
  if (!env) {
    throw new NexusError(`Workspace "${name}" has no containers (template none).`, {
      category: "validation",
      hint: "Only workspaces with containers have a Compose configuration.",
    });
  }
  const { workspaceProject } = await import("./setup/override-file.js");
  const { compose } = await import("./engine/compose.js");
  const project = workspaceProject(ctx, name, env);
  const result = await compose(project, ["config", "--format", format], {
    failure: `Docker Compose cannot read the configuration of "${name}"`,
  });
  return result.stdout;
}
