import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { parse } from "yaml";
import type { Db } from "../core/db.js";
import { gitRaw } from "../core/git.js";
import type { ProjectPaths } from "../core/paths.js";
import type { Report } from "../core/report.js";
import { serviceFilters } from "./engine/containers.js";
import { branchName, LABELS as LABEL, profilesIn, validateWorkspaceName } from "./names.js";
import type { WorkspaceStore } from "./store.js";
import { templateFromLockReason } from "./worktree.js";

/** The slice of a project this needs (not ProjectContext itself: the context module calls this one). */
export interface RebuildContext {
  db: Db;
  store: WorkspaceStore;
  paths: ProjectPaths;
  repoId: string;
  /** Where the notice that records came back goes; nothing is shown without one. */
  report?: Report;
}

const REBUILT_MARKER = "workspaces:rebuilt";

interface FoundWorktree {
  name: string;
  path: string;
  template?: string;
}

/**
 * `.nexus/nexus.db` is a cache: when it is new (deleted, or a fresh clone), workspace records come back
 * from what exists — git's worktrees (their lock reason names the template), then Docker's labels and
 * published ports. Runs once per database; later commands pay one indexed read.
 */
export async function rebuildWorkspaceRecords(ctx: RebuildContext): Promise<string[]> {
  const done = ctx.db.prepare("SELECT 1 FROM cache WHERE key = ?").get(REBUILT_MARKER);
  if (done) return [];
  const worktrees = (await nexusWorktrees(ctx)).filter((w) => !ctx.store.find(w.name));
  const rebuilt = worktrees.length ? await restore(ctx, worktrees) : [];
  rebuilt.push(...restoreRemote(ctx));
  ctx.db
    .prepare("INSERT OR REPLACE INTO cache (key, value) VALUES (?, ?)")
    .run(REBUILT_MARKER, new Date().toISOString());
  return rebuilt;
}

async function nexusWorktrees(ctx: RebuildContext): Promise<FoundWorktree[]> {
  const result = await gitRaw(["worktree", "list", "--porcelain"], ctx.paths.root);
  if (result.exitCode !== 0) return [];
  const found: FoundWorktree[] = [];
  for (const entry of result.stdout.split("\n\n")) {
    const path = /^worktree (.+)$/m.exec(entry)?.[1];
    const branch = /^branch refs\/heads\/(.+)$/m.exec(entry)?.[1];
    if (!path || !branch) continue;
    const name = workspaceNameOf(ctx.paths, path);
    if (!name || branch !== branchName(name)) continue;
    const reason = /^locked (.+)$/m.exec(entry)?.[1] ?? "";
    found.push({
      name,
      path,
      template: templateFromLockReason(reason),
    });
  }
  return found;
}

/** `.nexus/worktrees/NAME` (older layout) or `.nexus/worktrees/NAME/<repository folder>`. */
function workspaceNameOf(paths: ProjectPaths, path: string): string | undefined {
  const rel = relative(paths.worktreesDir, path);
  if (!rel || rel.startsWith("..")) return undefined;
  const [name, nested, ...rest] = rel.split(sep);
  if (rest.length || (nested !== undefined && nested !== basename(paths.root))) return undefined;
  return name;
}

async function restore(ctx: RebuildContext, worktrees: FoundWorktree[]): Promise<string[]> {
  const containers = await repoContainers(ctx);
  const rebuilt: string[] = [];
  for (const worktree of worktrees) {
    const mine = containers.filter((c) => c.Labels[LABEL.workspace] === worktree.name);
    const template =
      worktree.template ?? mine.find((c) => c.Labels[LABEL.template])?.Labels[LABEL.template] ?? "none";
    const running = mine.some((c) => c.State === "running");
    const saved = readOverride(join(ctx.paths.nexusDir, "compose", `${worktree.name}.yaml`));
    try {
      ctx.store.insert({
        name: worktree.name,
        branch: branchName(worktree.name),
        template,
        templateHash: null,
        worktreePath: worktree.path,
        baseRef: null,
        state: running ? "running" : "stopped",
        postCreateDone: true,
        createdBranch: false,
        profiles: saved.profiles,
      });
    } catch {
      continue; // another process restored it first
    }
    recordPorts(ctx, { workspace: worktree.name, fromOverride: saved.ports, containers: mine });
    rebuilt.push(worktree.name);
  }
  if (rebuilt.length)
    ctx.report?.warn(`rebuilt workspace records from git and Docker: ${rebuilt.join(", ")}`);
  return rebuilt;
}

/**
 * Workspaces on remote hosts, from their override files (`x-nexus.host`): no host is asked, so a
 * rebuild never waits on the network; `up` finds their containers' state.
 */
function restoreRemote(ctx: RebuildContext): string[] {
  const dir = join(ctx.paths.nexusDir, "compose");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
  const rebuilt: string[] = [];
  for (const file of files) {
    const name = file.slice(0, -".yaml".length);
    const saved = readOverride(join(dir, file));
    if (!saved.remote || ctx.store.find(name)) continue;
    try {
      validateWorkspaceName(name);
      ctx.store.insert({
        name,
        branch: branchName(name),
        template: saved.remote.template,
        templateHash: null,
        worktreePath: saved.remote.worktree,
        baseRef: null,
        state: "stopped",
        postCreateDone: true,
        createdBranch: false,
        profiles: saved.profiles,
        host: saved.remote.host,
      });
    } catch {
      continue; // another process restored it first, or the name is not a workspace's
    }
    recordPorts(ctx, { workspace: name, fromOverride: saved.ports, containers: [] });
    rebuilt.push(name);
  }
  if (rebuilt.length) ctx.report?.warn(`rebuilt records of remote workspaces: ${rebuilt.join(", ")}`);
  return rebuilt;
}

type LightContainer = Awaited<ReturnType<typeof import("./engine/docker.js").listContainersLight>>[number];

async function repoContainers(ctx: RebuildContext): Promise<LightContainer[]> {
  try {
    const { listContainersLight } = await import("./engine/docker.js");
    return await listContainersLight(serviceFilters({ repoId: ctx.repoId }));
  } catch {
    ctx.report?.warn(
      "Docker is not reachable: workspace records were rebuilt from git alone (ports come back at `up`).",
    );
    return [];
  }
}

/**
 * The leases come back from the workspace's override file (it names every published port, running or
 * not), else from the running containers' published ports.
 */
function recordPorts(
  ctx: RebuildContext,
  {
    workspace,
    fromOverride,
    containers,
  }: { workspace: string; fromOverride: OverridePort[]; containers: LightContainer[] },
) {
  const insert = ctx.db.prepare(
    `INSERT OR IGNORE INTO ports (workspace, service, name, container_port, host_port) VALUES (?, ?, ?, ?, ?)`,
  );
  if (fromOverride.length) {
    for (const p of fromOverride) insert.run(workspace, p.service, p.name, p.target, p.published);
    return;
  }
  for (const container of containers) {
    const service = container.Labels[LABEL.service] ?? "";
    for (const port of container.Ports ?? []) {
      if (!port.PublicPort || (port.IP && port.IP !== "127.0.0.1")) continue;
      insert.run(workspace, service, `${service}-${port.PrivatePort}`, port.PrivatePort, port.PublicPort);
    }
  }
}

interface OverridePort {
  service: string;
  name: string;
  target: number;
  published: number;
}

/** What the workspace's last override says: its published ports and its Compose profiles (`x-nexus`). */
interface SavedOverride {
  ports: OverridePort[];
  profiles: string[];
  remote?: { host: string; worktree: string; template: string };
}

function readOverride(file: string): SavedOverride {
  if (!existsSync(file)) return { ports: [], profiles: [] };
  try {
    // Nexus's own override file: its `!override`/`!reset` tags are Compose's, and the plain value
    // under them is all this needs. Unresolved-tag warnings (18 lines per rebuild) are not news.
    const doc = parse(readFileSync(file, "utf8"), { logLevel: "error" }) as {
      services?: Record<string, { ports?: { name?: string; target: number; published: string }[] }>;
      "x-nexus"?: { profiles?: unknown; host?: unknown; worktree?: unknown; template?: unknown };
    };
    const ports = Object.entries(doc.services ?? {}).flatMap(([service, spec]) =>
      (spec.ports ?? []).map((p) => ({
        service,
        name: p.name ?? `${service}-${p.target}`,
        target: Number(p.target),
        published: Number(p.published),
      })),
    );
    const { host, worktree, template } = doc["x-nexus"] ?? {};
    const remote =
      typeof host === "string" && typeof worktree === "string" && typeof template === "string"
        ? { host, worktree, template }
        : undefined;
    return { ports, profiles: profilesIn(doc["x-nexus"]?.profiles), remote };
  } catch {
    return { ports: [], profiles: [] };
  }
}
