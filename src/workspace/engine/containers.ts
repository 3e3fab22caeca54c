import type Dockerode from "dockerode";
import { LABELS, projectName, type WorkspaceRef } from "../names.js";
import { type Docker, listContainersLight } from "./docker.js";

export interface ServiceState {
  service: string;
  container: string;
  id: string;
  state: string;
  health?: string;
  ports: number[];
}

/**
 * Every container of one workspace (or of all Nexus workspaces of a repository), as Compose labelled
 * them: one light Engine API call (no dockerode).
 */
export async function listServices(filter: ServiceFilter): Promise<(ServiceState & { workspace: string })[]> {
  return toServiceStates(await listContainersLight(serviceFilters(filter)));
}

/**
 * One service's container of a workspace (the running one when several), found by its Compose
 * project, repository, workspace and service labels: another repository's never matches.
 */
export async function serviceContainer(
  ref: WorkspaceRef,
  project: string,
  service: string,
): Promise<ServiceState | undefined> {
  const label = [
    `${LABELS.project}=${project}`,
    `${LABELS.repo}=${ref.repoId}`,
    `${LABELS.workspace}=${ref.workspace}`,
    `${LABELS.service}=${service}`,
  ];
  const found = toServiceStates(await listContainersLight({ label }));
  return found.find((s) => s.state === "running") ?? found[0];
}

/** Always scoped to one repository: another repository's containers are never seen or touched. */
export type ServiceFilter = { repoId: string; workspace?: string };

export function serviceFilters(filter: ServiceFilter): { label: string[] } {
  return {
    label: filter.workspace
      ? [`${LABELS.project}=${projectName({ repoId: filter.repoId, workspace: filter.workspace })}`]
      : [`${LABELS.repo}=${filter.repoId}`],
  };
}

export function toServiceStates(
  containers: Dockerode.ContainerInfo[],
): (ServiceState & { workspace: string })[] {
  return containers.map((c) => ({
    workspace: c.Labels[LABELS.workspace] ?? "",
    service: c.Labels[LABELS.service] ?? "",
    container: (c.Names[0] ?? "").replace(/^\//, ""),
    id: c.Id,
    state: c.State,
    health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace("health: ", ""),
    ports: c.Ports.filter((p) => p.PublicPort).map((p) => p.PublicPort),
  }));
}

/** `down`: the containers stop; they, their volumes and the ports stay for `up`. */
export async function stopServices(docker: Docker, ref: WorkspaceRef): Promise<string[]> {
  const running = (await listServices(ref)).filter((s) => s.state === "running");
  await Promise.all(
    running.map((s) =>
      docker
        .getContainer(s.id)
        .stop({ t: 10 })
        .catch(() => undefined),
    ),
  );
  return running.map((s) => s.service);
}

/** Only the containers: volumes (the data) stay, and `up` recreates them. */
export async function removeContainers(docker: Docker, ref: WorkspaceRef): Promise<number> {
  const containers = await listServices(ref);
  await Promise.all(containers.map((c) => docker.getContainer(c.id).remove({ force: true })));
  return containers.length;
}

/**
 * Containers, networks and volumes of the workspace's Compose project (Compose labels all three),
 * found by label so this works even when the compose files are gone. External ones carry no label.
 */
export async function removeWorkspaceResources(docker: Docker, ref: WorkspaceRef): Promise<void> {
  const label = `${LABELS.project}=${projectName(ref)}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
  const { Volumes } = await docker.listVolumes({ filters: { label: [label] } });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true })));
}
