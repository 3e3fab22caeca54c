import { existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { resolve, sep } from "node:path";
import { isNexusError, NexusError } from "../core/errors.js";
import { warn } from "../core/output.js";
import type { WorkspaceSpec } from "./container-spec.js";
import { listServices, upServices } from "./containers.js";
import { type ProjectContext, runtimeScript } from "./context.js";
import type { Docker } from "./docker.js";
import { explainDockerError } from "./docker-errors.js";
import { ensurePorts, portRequests } from "./ports.js";
import { ensureSshKeys, hostAlias, writeHostEntry } from "./ssh.js";
import type { WorkspaceRecord } from "./store.js";
import type { Template } from "./templates.js";

export interface StartOptions {
  ctx: ProjectContext;
  docker: Docker;
  record: WorkspaceRecord;
  template: Template;
  onStage?: (stage: string, ms: number, detail?: Record<string, unknown>) => void;
}

/** Ports, SSH and containers for a workspace: shared by create, up and repair. */
export async function startWorkspace(options: StartOptions): Promise<WorkspaceSpec> {
  const { template } = options;
  const stage = timer(options.onStage);
  const ssh = template.compose["x-nexus"].ssh && template.devService ? await ensureSshKeys() : undefined;
  const spec = await startWithFreePorts(options, { stage, sshDir: ssh?.containerDir });
  const sshPort = spec.ports.find((p) => p.service === template.devService && p.containerPort === 22);
  if (ssh && sshPort) {
    writeHostEntry({ alias: hostAlias(spec), port: sshPort.hostPort });
    await waitForBanner(sshPort.hostPort, "SSH-");
    stage("ssh");
  }
  return spec;
}

const PORT_RACE_RETRIES = 5;

/**
 * Another repository (or user, or program) can bind a port between our probe and Docker's bind:
 * Docker then refuses it, and the next allocation sees the port taken and moves it.
 */
async function startWithFreePorts(
  options: StartOptions,
  extra: { stage: ReturnType<typeof timer>; sshDir?: string },
): Promise<WorkspaceSpec> {
  const { ctx, docker, record, template } = options;
  for (let attempt = 1; ; attempt++) {
    const running = await listServices(docker, { repoId: ctx.repoId, workspace: record.name });
    const owned = new Set(running.filter((s) => s.state === "running").flatMap((s) => s.ports));
    const allocation = await ensurePorts(ctx.db, {
      workspace: record.name,
      requests: portRequests(template),
      range: ctx.config.ports,
      owned,
    });
    for (const move of allocation.moved)
      warn(`port ${move.from} (${move.name}) is taken by another program; using ${move.to} instead.`);
    extra.stage("ports", { attempts: allocation.attempts, moved: allocation.moved.length });
    const spec: WorkspaceSpec = {
      workspace: record.name,
      repoId: ctx.repoId,
      template,
      worktreePath: record.worktreePath,
      gitCommonDir: ctx.paths.gitCommonDir,
      ports: allocation.ports,
      runtimeScript: runtimeScript(),
      sshDir: extra.sshDir,
    };
    try {
      prepareBindSources(ctx.paths.root, spec);
      const result = await upServices(docker, spec);
      extra.stage("containers", { created: result.created.length, started: result.started.length });
      return spec;
    } catch (error) {
      const raced = isNexusError(error) && error.category === "port_conflict";
      if (!raced || attempt >= PORT_RACE_RETRIES) throw explainDockerError(error);
    }
  }
}

/**
 * A relative bind source missing from the worktree: Compose would create an empty folder there. When
 * the main checkout has it, git left it out (it is ignored), and an empty folder would hide that.
 */
function prepareBindSources(mainRoot: string, spec: WorkspaceSpec): void {
  for (const service of spec.template.services) {
    for (const entry of service.volumes) {
      const [source = "", target] = entry.split(":");
      if (!target || !source.startsWith(".")) continue;
      const inWorktree = resolve(spec.worktreePath, source);
      if (existsSync(inWorktree) || !inWorktree.startsWith(spec.worktreePath + sep)) continue;
      if (existsSync(resolve(mainRoot, source))) {
        throw new NexusError(
          `${source}, bind-mounted into service ${service.name}, is in the main checkout but not in the workspace's worktree (git ignores it).`,
          {
            category: "config",
            hint: `List it under copy_files in .nexus/config.yaml to copy it into new worktrees, or create it in the worktree (${spec.worktreePath}).`,
          },
        );
      }
      mkdirSync(inWorktree, { recursive: true });
    }
  }
}

/** Ready means `ssh nexus-NAME` works: poll until sshd greets us through the published port. */
async function waitForBanner(port: number, prefix: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readBanner(port)).startsWith(prefix)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new NexusError(
    `sshd in the dev container did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s.`,
    {
      category: "timeout",
      hint: "Check that the dev image installs openssh-server; see /var/log/nexus-sshd.log in the container.",
    },
  );
}

function readBanner(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (text: string) => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, () => done(""));
    socket.once("data", (data) => done(data.toString()));
    socket.on("error", () => done(""));
    socket.once("close", () => done(""));
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
