import type Dockerode from "dockerode";
import { NexusError } from "../core/errors.js";
import {
  containerOptions,
  LABEL,
  networkName,
  resourceLabels,
  volumeName,
  type WorkspaceSpec,
} from "./container-spec.js";
import type { Docker } from "./docker.js";
import { waitExited, waitHealthy } from "./health.js";
import { projectName, type WorkspaceRef } from "./names.js";
import { startOrder } from "./start-order.js";

export interface ServiceState {
  service: string;
  container: string;
  id: string;
  state: string;
  health?: string;
  ports: number[];
}

/** Every container of one workspace (or of all Nexus workspaces of a repository). */
export async function listServices(
  docker: Docker,
  filter: ServiceFilter,
): Promise<(ServiceState & { workspace: string })[]> {
  return toServiceStates(await docker.listContainers({ all: true, filters: serviceFilters(filter) }));
}

/** Always scoped to one repository: another repository's containers are never seen or touched. */
export type ServiceFilter = { repoId: string; workspace?: string };

export function serviceFilters(filter: ServiceFilter): { label: string[] } {
  return {
    label: filter.workspace
      ? [`${LABEL.project}=${projectName({ repoId: filter.repoId, workspace: filter.workspace })}`]
      : [`${LABEL.repo}=${filter.repoId}`],
  };
}

export function toServiceStates(
  containers: Dockerode.ContainerInfo[],
): (ServiceState & { workspace: string })[] {
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
  const existing = new Map((await listServices(docker, spec)).map((s) => [s.service, s]));
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
  for (const service of spec.template.services)
    if (service.healthcheck && !service.healthcheck.disable) await waitHealthy(docker, spec, service.name);
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
      hint: portTaken
        ? "Another program took the port; run `nexus workspace up` again to pick a new one."
        : "Check `nexus workspace logs` for the service.",
      cause: error,
    });
  }
}

async function ensureNetworkAndVolumes(docker: Docker, spec: WorkspaceSpec): Promise<void> {
  const labels = resourceLabels(spec);
  const network = networkName(spec);
  const networks = await docker.listNetworks({ filters: { name: [network] } });
  if (!networks.some((n) => n.Name === network)) {
    await docker.createNetwork({
      Name: network,
      Labels: { ...labels, [LABEL.network]: "default" },
      CheckDuplicate: true,
    });
  }
  for (const volume of Object.keys(spec.template.compose.volumes)) {
    await docker.createVolume({
      Name: volumeName(spec, volume),
      Labels: { ...labels, [LABEL.volume]: volume },
    });
  }
}

export async function stopServices(docker: Docker, ref: WorkspaceRef): Promise<string[]> {
  const running = (await listServices(docker, ref)).filter((s) => s.state === "running");
  await Promise.all(
    running.map((s) =>
      docker
        .getContainer(s.id)
        .stop({ t: 5 })
        .catch(() => undefined),
    ),
  );
  return running.map((s) => s.service);
}

/** Only the containers: volumes (the data) stay, and `up` recreates them. */
export async function removeContainers(docker: Docker, ref: WorkspaceRef): Promise<number> {
  const containers = await listServices(docker, ref);
  await Promise.all(containers.map((c) => docker.getContainer(c.id).remove({ force: true })));
  return containers.length;
}

/** Containers, network and volumes carrying the workspace's project label. */
export async function removeWorkspaceResources(docker: Docker, ref: WorkspaceRef): Promise<void> {
  const label = `${LABEL.project}=${projectName(ref)}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true })));
}
