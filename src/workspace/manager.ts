import { existsSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { info, style } from "../core/output.js";
import { UndoStack } from "../core/undo.js";
import { hostEnvironment, type WorkspaceSpec } from "./container-spec.js";
import { listServices, removeWorkspaceResources, stopServices } from "./containers.js";
import { type ProjectContext, worktreePath } from "./context.js";
import { type Docker, ensureImage, getDocker } from "./docker.js";
import { execInContainer } from "./exec.js";
import { branchName, validateWorkspaceName } from "./names.js";
import { type StartOptions, startWorkspace, timer } from "./runtime.js";
import { hostAlias, removeHostEntry } from "./ssh.js";
import type { PortRecord, WorkspaceRecord } from "./store.js";
import { loadTemplate, type Template } from "./templates.js";
import {
  branchExists,
  copyIgnoredFiles,
  createWorktree,
  deleteBranch,
  isDirty,
  removeWorktree,
} from "./worktree.js";

export interface CreateOptions {
  name: string;
  template?: string;
  from?: string;
  onStage?: StartOptions["onStage"];
}

export interface WorkspaceSummary {
  workspace: WorkspaceRecord;
  ports: PortRecord[];
  env: Record<string, string>;
  copiedFiles?: string[];
  /** `ssh <alias>` reaches the dev container; unique per repository and workspace. */
  sshAlias?: string;
}

const templateCache = new WeakMap<ProjectContext, Map<string, Template>>();

/** Loads (and hashes) each template once per command, however many workspaces use it. */
export function templateFor(ctx: ProjectContext, name: string): Template | undefined {
  if (name === "none") return undefined;
  const cache = templateCache.get(ctx) ?? new Map<string, Template>();
  templateCache.set(ctx, cache);
  const template = cache.get(name) ?? loadTemplate(name, ctx.paths.templatesDir);
  cache.set(name, template);
  return template;
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
    return await create(ctx, { ...options, name, onStage });
  } finally {
    const { noteTelemetry } = await import("../telemetry/recorder.js");
    noteTelemetry({ raw: { stages } });
  }
}

async function create(ctx: ProjectContext, options: CreateOptions): Promise<WorkspaceSummary> {
  const { name } = options;
  const stage = timer(options.onStage);
  if (ctx.store.find(name)) {
    throw new NexusError(`Workspace "${name}" already exists.`, {
      category: "conflict",
      exitCode: 2,
      hint: `Start it with \`nexus workspace up ${name}\`, or pick another name.`,
    });
  }
  const templateName = options.template ?? ctx.config.default_template;
  const template = templateFor(ctx, templateName);
  stage("template", { template: templateName, services: template?.services.length ?? 0 });
  const docker = template ? await getDocker() : undefined;
  if (docker) stage("docker");
  // Images first: a failed build leaves no worktree, branch or row behind.
  for (const service of template && docker ? template.services : []) {
    stage(`image:${service.name}`, { result: await ensureImage(docker!, service) });
  }
  const undo = new UndoStack();
  return undo.guard(async () => {
    const record = await makeWorktree(ctx, { name, templateName, template, from: options.from, undo });
    stage("worktree");
    const copiedFiles = copyIgnoredFiles({
      from: ctx.paths.root,
      to: record.worktreePath,
      files: ctx.config.copy_files,
    });
    if (!template || !docker) return finish(ctx, record, copiedFiles);
    const ref = { repoId: ctx.repoId, workspace: name };
    undo.push(() => removeWorkspaceResources(docker, ref));
    undo.push(async () => removeHostEntry(hostAlias(ref)));
    const spec = await startWorkspace({ ctx, docker, record, template, onStage: options.onStage });
    const { noteTelemetry } = await import("../telemetry/recorder.js");
    noteTelemetry({ template: template.name, services: template.services.length, ports: spec.ports.length });
    await runPostCommands({ ctx, docker, spec, record });
    stage("post_create");
    return finish(ctx, record, copiedFiles, spec);
  });
}

async function makeWorktree(
  ctx: ProjectContext,
  args: {
    name: string;
    templateName: string;
    template?: Template;
    from?: string;
    undo: UndoStack;
  },
): Promise<WorkspaceRecord> {
  const path = worktreePath(ctx, args.name);
  if (existsSync(path)) {
    throw new NexusError(`${path} already exists but is not a known workspace.`, {
      category: "conflict",
      hint: "Run `nexus workspace prune` to remove leftovers, then retry.",
    });
  }
  const branch = branchName(args.name);
  // The row is the claim on the name: of two concurrent creates, exactly one gets past here.
  claimName(ctx, {
    name: args.name,
    branch,
    template: args.templateName,
    templateHash: args.template?.hash ?? null,
    worktreePath: path,
    baseRef: args.from ?? "HEAD",
    state: "creating",
    postCreateDone: false,
    createdBranch: !(await branchExists(ctx.paths.root, branch)),
  });
  args.undo.push(async () => ctx.store.remove(args.name));
  const createdBranch = await createWorktree({
    paths: ctx.paths,
    path,
    branch,
    from: args.from,
    template: args.templateName,
  });
  args.undo.push(async () => {
    await removeWorktree(ctx.paths.root, path);
    if (createdBranch) await deleteBranch(ctx.paths.root, branch);
  });
  return ctx.store.get(args.name);
}

function claimName(ctx: ProjectContext, record: Parameters<ProjectContext["store"]["insert"]>[0]): void {
  try {
    ctx.store.insert(record);
  } catch (error) {
    if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
    throw new NexusError(`Workspace "${record.name}" already exists (another create just claimed it).`, {
      category: "conflict",
      exitCode: 2,
      hint: "Pick another name, or wait for the other create to finish.",
    });
  }
}

function finish(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  copiedFiles: string[],
  spec?: WorkspaceSpec,
): WorkspaceSummary {
  ctx.store.update(record.name, {
    state: spec ? "running" : "stopped",
    services: spec?.template.services.length ?? 0,
  });
  return { ...summary(ctx, record.name, spec?.template), copiedFiles };
}

export function summary(ctx: ProjectContext, name: string, template?: Template): WorkspaceSummary {
  const ports = ctx.store.ports(name);
  const env = template ? hostEnvironment(template, name, ports) : { NEXUS_WORKSPACE: name };
  const ssh = template?.devService && template.compose["x-nexus"].ssh;
  const sshAlias = ssh ? hostAlias({ repoId: ctx.repoId, workspace: name }) : undefined;
  return { workspace: ctx.store.get(name), ports, env, sshAlias };
}

async function runPostCommands(args: {
  ctx: ProjectContext;
  docker: Docker;
  spec: WorkspaceSpec;
  record: WorkspaceRecord;
}): Promise<void> {
  const { ctx, docker, spec, record } = args;
  const dev = spec.template.devService;
  if (!dev) return;
  const block = spec.template.compose["x-nexus"];
  const fresh = ctx.store.get(record.name);
  const commands = [...(fresh.postCreateDone ? [] : block.post_create), ...block.post_start];
  const container = (await listServices(docker, spec)).find((s) => s.service === dev);
  for (const command of commands) {
    info(`${style.dim("run")} ${command}`);
    const code = await execInContainer(docker, {
      containerId: container!.id,
      cmd: ["/bin/sh", "-c", command],
      workdir: "/workspace",
      stdout: process.stderr,
    });
    if (code !== 0) {
      ctx.store.update(record.name, { state: "error" });
      throw new NexusError(`Command \`${command}\` failed with exit code ${code} in ${record.name}.`, {
        category: "docker",
        hint: `Fix the command (x-nexus post_create/post_start in the template) or the project, then retry; during \`create\` the workspace was removed again, during \`up\` it is kept.`,
      });
    }
  }
  ctx.store.update(record.name, { postCreateDone: true });
}

export async function upWorkspace(
  ctx: ProjectContext,
  name: string,
  onStage?: StartOptions["onStage"],
): Promise<WorkspaceSummary> {
  const record = ctx.store.get(name);
  if (!existsSync(record.worktreePath)) {
    throw new NexusError(`The worktree of "${name}" is missing: ${record.worktreePath}`, {
      category: "git",
      hint: `Run \`nexus workspace repair ${name}\` to recreate it from branch ${record.branch}.`,
    });
  }
  const template = templateFor(ctx, record.template);
  if (!template) return summary(ctx, name);
  const docker = await getDocker();
  for (const service of template.services) await ensureImage(docker, service);
  const spec = await startWorkspace({ ctx, docker, record, template, onStage });
  await runPostCommands({ ctx, docker, spec, record });
  ctx.store.update(name, {
    state: "running",
    templateHash: template.hash,
    services: template.services.length,
  });
  return summary(ctx, name, template);
}

export async function downWorkspace(ctx: ProjectContext, name: string): Promise<string[]> {
  const record = ctx.store.get(name);
  if (record.template === "none") return [];
  const stopped = await stopServices(await getDocker(), { repoId: ctx.repoId, workspace: name });
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
  if (!options.force && existsSync(record.worktreePath) && (await isDirty(record.worktreePath))) {
    throw new NexusError(`Workspace "${name}" has uncommitted changes.`, {
      category: "conflict",
      hint: `Commit or stash them in ${record.worktreePath}, or pass --force to discard them.`,
    });
  }
  const ref = { repoId: ctx.repoId, workspace: name };
  if (record.template !== "none") await removeWorkspaceResources(await getDocker(), ref);
  await removeWorktree(ctx.paths.root, record.worktreePath);
  if (options.deleteBranch) await deleteBranch(ctx.paths.root, record.branch);
  removeHostEntry(hostAlias(ref));
  ctx.store.remove(name);
}
