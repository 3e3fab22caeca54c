import type Dockerode from "dockerode";
import { NexusError } from "../core/errors.js";
import { projectName } from "./names.js";
import { LABEL, type WorkspaceSpec, containerOptions, networkName, resourceLabels, volumeName } from "./container-spec.js";
import type { Docker } from "./docker.js";
import { startOrder } from "./templates.js";

export interface ServiceState {
  service: string;
  container: string;
  id: string;
  state: string;
  health?: string;
  ports: number[];
}

/** Every container of one workspace (or of all Nexus workspaces of a repository). */
export async function listServices(docker: Docker, filter: { workspace?: string; repoId?: string }): Promise<(ServiceState & { workspace: string })[]> {
  const labels = filter.workspace ? [`${LABEL.project}=${projectName(filter.workspace)}`] : [`${LABEL.repo}=${filter.repoId}`];
  const containers = await docker.listContainers({ all: true, filters: { label: labels } });
  return containers.map((c) => ({
    workspace: c.Labels[LABEL.workspace] ?? "",
    service: c.Labels[LABEL.service] ?? "",
    container: (c.Names[0] ?? "").replace(/^\//, ""),
    id: c.Id,
    state: c.State,
    health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace("health: ", ""),
    ports: c.Ports.filter((p) => p.PublicPort).map((p) => p.PublicPort),
  }));
}

export interface UpResult {
  created: string[];
  started: string[];
}

/** Creates what is missing or changed, starts what is stopped, in depends_on order, then waits for health. */
export async function upServices(docker: Docker, spec: WorkspaceSpec): Promise<UpResult> {
  await ensureNetworkAndVolumes(docker, spec);
  const existing = new Map((await listServices(docker, { workspace: spec.workspace })).map((s) => [s.service, s]));
  const result: UpResult = { created: [], started: [] };
  for (const name of startOrder(spec.template.compose)) {
    const service = spec.template.services.find((s) => s.name === name)!;
    for (const [dep, { condition }] of Object.entries(service.depends_on)) {
      if (condition === "service_healthy") await waitHealthy(docker, spec, dep);
      if (condition === "service_completed_successfully") await waitExited(docker, spec, dep);
    }
    const options = containerOptions(spec, service);
    const current = existing.get(name);
    const container = await ensureContainer(docker, { options, current, result, name });
    if (result.created.includes(name) || current?.state !== "running") {
      await startContainer(container, name);
      result.started.push(name);
    }
  }
  for (const service of spec.template.services) if (service.healthcheck && !service.healthcheck.disable) await waitHealthy(docker, spec, service.name);
  return result;
}

async function ensureContainer(
  docker: Docker,
  args: { options: Dockerode.ContainerCreateOptions; current?: ServiceState; result: UpResult; name: string },
): Promise<Dockerode.Container> {
  const { options, current } = args;
  if (current) {
    const container = docker.getContainer(current.id);
    const info = await container.inspect();
    if (info.Config.Labels?.[LABEL.configHash] === options.Labels?.[LABEL.configHash]) return container;
    await container.remove({ force: true });
  }
  args.result.created.push(args.name);
  return docker.createContainer(options);
}

async function startContainer(container: Dockerode.Container, name: string): Promise<void> {
  try {
    await container.start();
  } catch (error) {
    const message = (error as Error).message;
    const portTaken = /port is already allocated|address already in use/i.test(message);
    throw new NexusError(`Cannot start service ${name}: ${message.split("\n").pop()}`, {
      category: portTaken ? "port_conflict" : "docker",
      hint: portTaken ? "Another program took the port; run `nexus workspace up` again to pick a new one." : "Check `nexus workspace logs` for the service.",
      cause: error,
    });
  }
}

async function ensureNetworkAndVolumes(docker: Docker, spec: WorkspaceSpec): Promise<void> {
  const labels = resourceLabels(spec);
  const network = networkName(spec.workspace);
  const networks = await docker.listNetworks({ filters: { name: [network] } });
  if (!networks.some((n) => n.Name === network)) {
    await docker.createNetwork({ Name: network, Labels: { ...labels, [LABEL.network]: "default" }, CheckDuplicate: true });
  }
  for (const volume of Object.keys(spec.template.compose.volumes)) {
    await docker.createVolume({ Name: volumeName(spec.workspace, volume), Labels: { ...labels, [LABEL.volume]: volume } });
  }
}

async function inspectService(docker: Docker, spec: WorkspaceSpec, service: string) {
  const [state] = (await listServices(docker, { workspace: spec.workspace })).filter((s) => s.service === service);
  if (!state) throw new NexusError(`Service ${service} has no container.`, { category: "docker" });
  return docker.getContainer(state.id).inspect();
}

export async function waitHealthy(docker: Docker, spec: WorkspaceSpec, service: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await inspectService(docker, spec, service);
    const health = info.State.Health?.Status;
    if (info.State.Running && (health === "healthy" || !info.State.Health)) return;
    if (!info.State.Running || health === "unhealthy") {
      const log = info.State.Health?.Log?.at(-1)?.Output?.trim();
      throw new NexusError(`Service ${service} is ${info.State.Running ? "unhealthy" : `not running (exit code ${info.State.ExitCode})`}.`, {
        category: "docker",
        hint: `${log ? `Last health check said: ${log}\n` : ""}See \`nexus workspace logs ${spec.workspace} ${service}\`.`,
      });
    }
    if (Date.now() > deadline) {
      throw new NexusError(`Service ${service} did not become healthy within ${timeoutMs / 1000} s.`, { category: "timeout", hint: `See \`nexus workspace logs ${spec.workspace} ${service}\`.` });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitExited(docker: Docker, spec: WorkspaceSpec, service: string): Promise<void> {
  const info = await inspectService(docker, spec, service);
  const result = info.State.Running ? await docker.getContainer(info.Id).wait() : { StatusCode: info.State.ExitCode };
  if (result.StatusCode !== 0) {
    throw new NexusError(`Service ${service} exited with code ${result.StatusCode}.`, { category: "docker", hint: `See \`nexus workspace logs ${spec.workspace} ${service}\`.` });
  }
}

export async function stopServices(docker: Docker, workspace: string): Promise<string[]> {
  const running = (await listServices(docker, { workspace })).filter((s) => s.state === "running");
  await Promise.all(running.map((s) => docker.getContainer(s.id).stop({ t: 5 }).catch(() => undefined)));
  return running.map((s) => s.service);
}

/** Only the containers: volumes (the data) stay, and `up` recreates them. */
export async function removeContainers(docker: Docker, workspace: string): Promise<number> {
  const containers = await listServices(docker, { workspace });
  await Promise.all(containers.map((c) => docker.getContainer(c.id).remove({ force: true })));
  return containers.length;
}

/** Containers, network and volumes carrying the workspace's project label. */
export async function removeWorkspaceResources(docker: Docker, workspace: string): Promise<void> {
  const label = `${LABEL.project}=${projectName(workspace)}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true })));
}
