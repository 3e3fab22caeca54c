import type Dockerode from "dockerode";
import { engineGet } from "./engine-api.js";
import { engineTarget } from "./target.js";

export type Docker = Dockerode;

let client: Promise<Docker> | undefined;
const remoteClients = new Map<string, Promise<Docker>>();

/** The engine answers (one light call): `create` and `up` fail fast, before making anything, without it. */
export async function pingEngine(): Promise<void> {
  await engineGet<string>("/_ping");
}

/**
 * The full client (logs, stop, remove, an interactive exec), without a second ping. dockerode costs
 * ~0.12 s of CPU to load, so `create` and `up` never load it: their engine calls go through
 * engine-api.ts. It reads DOCKER_HOST (unix, tcp, ssh) itself, so a remote engine works unchanged.
 */
export function loadDocker(): Promise<Docker> {
  const target = engineTarget();
  if (target) {
    const socketPath = target.socket;
    const made =
      remoteClients.get(socketPath) ?? import("dockerode").then((m) => new m.default({ socketPath }));
    remoteClients.set(socketPath, made);
    return made;
  }
  client ??= import("dockerode").then(({ default: Dockerode }) => new Dockerode());
  return client;
}

/** The engine answers, and the full client. */
export async function getDocker(): Promise<Docker> {
  await pingEngine();
  return loadDocker();
}

/** Forget the cached client, e.g. after DOCKER_HOST changed (tests) or the daemon restarted. */
export function resetDockerClient(): void {
  client = undefined;
}

/** Lists containers (all, or running only) with one light Engine API call: see engineGet. */
export async function listContainersLight(
  filters: Record<string, string[]>,
  options: { all?: boolean } = {},
): Promise<Dockerode.ContainerInfo[]> {
  const query = { all: options.all === false ? "0" : "1", filters: JSON.stringify(filters) };
  return engineGet<Dockerode.ContainerInfo[]>("/containers/json", query);
}

/** One container's full state (`docker inspect`) with one light Engine API call: see engineGet. */
export function inspectContainer(id: string): Promise<Dockerode.ContainerInspectInfo> {
  return engineGet<Dockerode.ContainerInspectInfo>(`/containers/${id}/json`);
}
