import { join } from "node:path";
import { isNexusError } from "../../core/errors.js";
import { nexusHome } from "../../core/paths.js";
import type { Report } from "../../core/report.js";
import type { ProjectContext } from "../context.js";
import { type ComposeProject, compose } from "../engine/compose.js";
import { activeServices, type ComposeModel, readModel } from "../engine/compose-model.js";
import type { ServiceState } from "../engine/containers.js";
import { listContainersLight } from "../engine/docker.js";
import { healthOnStart } from "../engine/health.js";
import { offEngine } from "../engine/target.js";
import { hostSetup } from "../environment/host.js";
import { builtImages } from "../environment/images.js";
import { type HostSetup, portRequestsFor } from "../environment/override.js";
import { withOwnDevService } from "../environment/own-dev.js";
import { checkRiskyServices } from "../environment/risky-services.js";
import type { Environment } from "../environment/types.js";
import { projectName, type WorkspaceRef } from "../names.js";
import type { PortRecord, WorkspaceRecord } from "../store.js";
import {
  buildLogPath,
  composeProject,
  type OverrideFileInput,
  type Placement,
  writeOverride,
} from "./override-file.js";
import { ensurePorts } from "./ports.js";
import { checkBindSources } from "./preflight.js";
import { devSetupOnStart } from "./prepare.js";

export interface StartOptions {
  ctx: ProjectContext;
  record: WorkspaceRecord;
  env: Environment;
  onStage?: (stage: string, ms: number, detail?: Record<string, unknown>) => void;
  /** Where notes and warnings go (commands pass the printer); nothing is shown without one. */
  report?: Report;
  /** A remote workspace's files on its host (absent on this machine). */
  placement?: Placement;
}

/** A started workspace: its Compose project (override included), ports, and the dev container. */
export interface Started {
  ref: WorkspaceRef;
  project: ComposeProject;
  ports: PortRecord[];
  services: string[];
  dev?: ServiceState;
  /** The user commands run as in the dev container (`uid:gid`, or a name). */
  user: string;
}

/** Ports, override, `docker compose up`, then health, host user and SSH: shared by create, up and repair. */
export async function startWorkspace(options: StartOptions): Promise<Started> {
  const { ctx, record, placement } = options;
  const stage = timer(options.onStage);
  const ref = { repoId: ctx.repoId, workspace: record.name };
  // A remote workspace's model is read from this checkout: its files are the branch's, and here.
  const root = placement ? ctx.paths.root : record.worktreePath;
  const base = { ...composeProject(ref, options.env, options.env.files), root };
  const [read, local] = await Promise.all([
    offEngine(() => readModel(base, modelCache(ctx))),
    hostSetup(ctx.paths.root),
  ]);
  const host = placement ? { ...local, ...placement.host } : local;
  const { model, env } = withOwnDevService(read, options.env);
  if (env.ownDev?.note) options.report?.warn(env.ownDev.note);
  const services = activeServices(model, env.runServices, env.profiles);
  if (!placement) checkBindSources({ model, services, worktree: root, mainRoot: ctx.paths.root });
  checkRiskyServices({
    model,
    services,
    allow: ctx.config.allow,
    onWarning: (message) => options.report?.warn(message),
  });
  stage("model", { services: services.length });
  const { containerKeyEnv, ensureSshKeys } = await import("./ssh.js");
  const sshKeys = env.ssh && env.devService ? containerKeyEnv(await ensureSshKeys()) : undefined;
  const images = await builtImages({ model, services, env, worktree: root });
  const input = { ctx, env, model, ref, host, images, services, sshKeys, record, placement };
  const { project, ports, health, setup } = await upWithFreePorts(
    { ...input, report: options.report },
    stage,
  );
  const user = execUser(env, host);
  const took: Record<string, number> = {};
  const [, dev] = await Promise.all([
    timedInto(took, "health", health.all()),
    timedInto(took, "dev_setup", setup.result()),
  ]).finally(health.abort);
  stage("ready", took);
  return { ref, project, ports, services, dev, user };
}

interface UpInput extends OverrideFileInput {
  /** For the dev container's setup: the keys it installs (see containerKeyEnv). */
  sshKeys?: string[];
  report?: Report;
}

const PORT_RACE_RETRIES = 5;

/**
 * Another repository (or user, or program) can bind a port between our probe and Docker's bind:
 * Docker then refuses it, and the next allocation sees the port taken and moves it.
 */
async function upWithFreePorts(input: UpInput, stage: ReturnType<typeof timer>): Promise<Up> {
  const { ctx, env, model, ref, services } = input;
  for (let attempt = 1; ; attempt++) {
    await input.placement?.beforePorts();
    const { owned, busy } = await publishedPorts(ref);
    const allocation = await ensurePorts(ctx.db, {
      workspace: ref.workspace,
      requests: portRequestsFor(env, model, services),
      range: ctx.config.ports,
      owned,
      busy,
      claims: { dir: join(nexusHome(), "port-claims"), owner: `${ref.repoId}/${ref.workspace}` },
    });
    for (const move of allocation.moved)
      input.report?.warn(
        `port ${move.from} (${move.name}) is taken by another program; using ${move.to} instead.`,
      );
    stage("ports", { attempts: allocation.attempts, moved: allocation.moved.length });
    const up = await composeUp(input, allocation.ports);
    if (!(up instanceof Error)) {
      stage("compose_up");
      return up;
    }
    const raced = isNexusError(up) && up.category === "port_conflict";
    if (!raced || attempt >= PORT_RACE_RETRIES) throw up;
  }
}

interface Up {
  project: ComposeProject;
  ports: PortRecord[];
  health: ReturnType<typeof healthOnStart>;
  setup: ReturnType<typeof devSetupOnStart>;
}

/**
 * `docker compose up` with this allocation's override. Health waits and the dev container's setup
 * begin as Compose says each container started; on a failure they are ended (or awaited) first.
 */
async function composeUp(input: UpInput, ports: PortRecord[]): Promise<Up | Error> {
  const { env, model, ref, services } = input;
  const project = await writeOverride(input, ports);
  const health = healthOnStart(ref, healthChecked(model, services));
  const setup = devSetupOnStart({ ref, env, host: input.host, ports, sshKeys: input.sshKeys });
  const up = compose(project, ["up", "-d", "--remove-orphans", ...services], {
    progress: true,
    failure: `Cannot start workspace "${ref.workspace}"`,
    logFile: buildLogPath(input.ctx, ref.workspace),
    onLine: (line) => {
      health.onLine(line);
      setup.onLine(line);
    },
  });
  const result = await up.catch((error: unknown) => error);
  if (!(result instanceof Error)) return { project, ports, health, setup };
  health.abort();
  await setup.settled(); // a setup begun for this attempt must not write its SSH alias after it
  return result;
}

/**
 * Host ports this workspace's containers publish (its own), and those every other container on the
 * engine publishes (another repository's or user's leases live in their own databases): one API call.
 */
async function publishedPorts(ref: WorkspaceRef): Promise<{ owned: Set<number>; busy: Set<number> }> {
  const project = projectName(ref);
  const owned = new Set<number>();
  const busy = new Set<number>();
  for (const c of await listContainersLight({}, { all: false })) {
    const mine = c.Labels["com.docker.compose.project"] === project;
    for (const p of c.Ports) if (p.PublicPort) (mine ? owned : busy).add(p.PublicPort);
  }
  return { owned, busy };
}

function healthChecked(model: ComposeModel, services: string[]): string[] {
  return services.filter((s) => {
    const check = model.services[s]?.healthcheck;
    return check?.test?.length && !check.disable && check.test[0] !== "NONE";
  });
}

/** Commands in the dev container run as the host user (uid:gid), or as remoteUser when the host is root. */
export function execUser(env: Pick<Environment, "remoteUser">, host: Pick<HostSetup, "uid" | "gid">): string {
  if (host.uid === 0) return env.remoteUser ?? "0:0";
  return `${host.uid}:${host.gid}`;
}

function modelCache(ctx: ProjectContext) {
  return {
    get: (key: string) =>
      (ctx.db.prepare("SELECT value FROM cache WHERE key = ?").get(key) as { value: string } | undefined)
        ?.value,
    set: (key: string, value: string) =>
      void ctx.db.prepare("INSERT OR REPLACE INTO cache (key, value) VALUES (?, ?)").run(key, value),
  };
}

/** Resolves as `work` does, noting how long it took in `took[key]` (the stage details `-v` prints). */
function timedInto<T>(took: Record<string, number>, key: string, work: Promise<T>): Promise<T> {
  const since = performance.now();
  return work.finally(() => {
    took[key] = Math.round(performance.now() - since);
  });
}

export function timer(
  onStage?: StartOptions["onStage"],
): (stage: string, detail?: Record<string, unknown>) => void {
  let last = performance.now();
  return (stage, detail) => {
    const now = performance.now();
    onStage?.(stage, Math.round(now - last), detail);
    last = now;
  };
}
