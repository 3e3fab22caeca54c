import { existsSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { emit } from "../core/events.js";
import { ensureMergeDriver } from "../core/merge-driver-config.js";
import { UndoStack } from "../core/undo.js";
import { type ProjectContext, workspaceDir, worktreePath } from "./context.js";
import { removeWorkspaceResources } from "./engine/containers.js";
import { loadDocker, pingEngine } from "./engine/docker.js";
import {
  checkEnvironmentName,
  environmentName,
  loadEnvironment,
  workspaceProfiles,
} from "./environment/environment.js";
import { branchName, validateWorkspaceName } from "./names.js";
import { runPostCommands } from "./setup/post-commands.js";
import { type StartOptions, startWorkspace, timer } from "./setup/runtime.js";
import { hostAlias, removeHostEntry } from "./setup/ssh.js";
import type { WorkspaceRecord } from "./store.js";
import { finish, type WorkspaceSummary } from "./summary.js";
import {
  branchExists,
  copyIgnoredFiles,
  createWorktree,
  deleteBranch,
  removeIfEmpty,
  removeWorktree,
} from "./worktree.js";

export { destroyWorkspace, downWorkspace, upWorkspace } from "./start-stop.js";
export type { WorkspaceSummary } from "./summary.js";

export interface CreateOptions {
  name: string;
  template?: string;
  from?: string;
  /** Compose profiles to enable (`--profile`), added to the config's and COMPOSE_PROFILES. */
  profiles?: string[];
  /** A remote host (`nexus host add`) to make the workspace on, instead of this machine. */
  host?: string;
  onStage?: StartOptions["onStage"];
  report?: StartOptions["report"];
}

/** Everything is validated before anything is made; a failure part-way undoes what was made. */
export async function createWorkspace(
  ctx: ProjectContext,
  options: CreateOptions,
): Promise<WorkspaceSummary> {
  const name = validateWorkspaceName(options.name);
  const stages: Record<string, unknown>[] = [];
  const onStage: CreateOptions["onStage"] = (stage, ms, detail) => {
    stages.push({ stage, ms, ...detail });
    options.onStage?.(stage, ms, detail);
  };
  try {
    const summary = await create(ctx, { ...options, name, onStage });
    const { template, services } = summary.workspace;
    const ports = summary.ports.length;
    emit({
      name: "domain",
      data: {
        type: "workspace",
        action: "created",
        subject: name,
        template,
        services,
        ports,
        raw: { stages },
      },
    });
    return summary;
  } finally {
    emit({ name: "note", data: { raw: { stages } } });
  }
}

async function create(ctx: ProjectContext, options: CreateOptions): Promise<WorkspaceSummary> {
  const { name } = options;
  const stage = timer(options.onStage);
  if (ctx.store.find(name)) {
    throw new NexusError(`Workspace "${name}" already exists.`, {
      category: "conflict",
      hint: `Start it with \`nexus workspace up ${name}\`, or pick another name.`,
    });
  }
  // A branch made here is merged later: a fresh clone (git config is not cloned) gets the driver now.
  await ensureMergeDriver(ctx.paths);
  const envName = environmentName(ctx, options.template);
  // Docker is asked while the worktree is made; with no engine, the worktree is undone again, so
  // nothing is left either way.
  // A remote workspace asks its host's engine instead (through SSH, once the host answers).
  const engineReady = envName === "none" || options.host ? undefined : pingEngine();
  engineReady?.catch(() => undefined);
  await checkEnvironmentName(ctx, envName);
  const profiles = workspaceProfiles(ctx, envName, options.profiles);
  stage("template", { template: envName });
  const undo = new UndoStack(options.report);
  if (options.host) {
    const { createRemote } = await import("./remote/workspace.js");
    return undo.guard(() => createRemote(ctx, { ...options, envName, profiles, host: options.host!, undo }));
  }
  return undo.guard(() => createHere(ctx, { ...options, envName, profiles, undo, engineReady, stage }));
}

interface HereArgs extends CreateOptions {
  envName: string;
  profiles: string[];
  undo: UndoStack;
  engineReady?: Promise<void>;
  stage: ReturnType<typeof timer>;
}

async function createHere(ctx: ProjectContext, args: HereArgs): Promise<WorkspaceSummary> {
  const { name, envName, profiles, undo, engineReady, stage } = args;
  const record = await makeWorktree(ctx, { name, envName, profiles, from: args.from, undo });
  await engineReady;
  stage("worktree");
  const copiedFiles = copyIgnoredFiles({
    from: ctx.paths.root,
    to: record.worktreePath,
    files: ctx.config.copy_files,
  });
  const env = await loadEnvironment(ctx, envName, record.worktreePath, profiles);
  if (!env || !engineReady) return finish(ctx, record, { copiedFiles });
  const ref = { repoId: ctx.repoId, workspace: name };
  undo.push(async () => removeWorkspaceResources(await loadDocker(), ref));
  undo.push(async () => removeHostEntry(hostAlias(ref)));
  const { onStage, report } = args;
  const started = await startWorkspace({ ctx, record, env, onStage, report });
  const note = { template: env.name, services: started.services.length, ports: started.ports.length };
  emit({ name: "note", data: note });
  await runPostCommands({ ctx, env, started, record, report });
  stage("post_create");
  return finish(ctx, record, { copiedFiles, env, started });
}

async function makeWorktree(
  ctx: ProjectContext,
  args: { name: string; envName: string; profiles: string[]; from?: string; undo: UndoStack },
): Promise<WorkspaceRecord> {
  const path = worktreePath(ctx, args.name);
  if (existsSync(workspaceDir(ctx, args.name))) {
    throw new NexusError(`${workspaceDir(ctx, args.name)} already exists but is not a known workspace.`, {
      category: "conflict",
      hint: "Run `nexus workspace prune` to remove leftovers, then retry.",
    });
  }
  const branch = branchName(args.name);
  // The row is the claim on the name: of two concurrent creates, exactly one gets past here.
  ctx.store.claim({
    name: args.name,
    branch,
    template: args.envName,
    profiles: args.profiles,
    templateHash: null,
    worktreePath: path,
    baseRef: args.from ?? "HEAD",
    state: "creating",
    postCreateDone: false,
    createdBranch: !(await branchExists(ctx.paths.root, branch)),
  });
  args.undo.push(async () => ctx.store.remove(args.name));
  args.undo.push(async () => removeIfEmpty(workspaceDir(ctx, args.name)));
  const createdBranch = await createWorktree({
    paths: ctx.paths,
    path,
    branch,
    from: args.from,
    template: args.envName,
  });
  args.undo.push(async () => {
    await removeWorktree(ctx.paths.root, path);
    if (createdBranch) await deleteBranch(ctx.paths.root, branch);
  });
  return ctx.store.get(args.name);
}
