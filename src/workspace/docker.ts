import type Dockerode from "dockerode";
import { NexusError } from "../core/errors.js";

export type Docker = Dockerode;

let client: Docker | undefined;

/** dockerode reads DOCKER_HOST (unix, tcp, ssh) itself, so a remote engine works unchanged. */
export async function getDocker(): Promise<Docker> {
  if (client) return client;
  const { default: Dockerode } = await import("dockerode");
  const candidate = new Dockerode();
  await ping(candidate);
  client = candidate;
  return client;
}

/** Forget the cached client, e.g. after DOCKER_HOST changed (tests) or the daemon restarted. */
export function resetDockerClient(): void {
  client = undefined;
}

async function ping(docker: Docker): Promise<void> {
  const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
  } catch (error) {
    throw new NexusError(`Cannot reach the Docker Engine at ${where}: ${(error as Error).message}`, {
      category: "docker_unavailable",
      hint: "Start Docker (e.g. `sudo systemctl start docker`), check DOCKER_HOST, or use `--template none` for a worktree without containers.",
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lists containers through docker-modem alone: dockerode's full client costs ~200 ms to load,
 * which would dominate `workspace list`. docker-modem still honours DOCKER_HOST.
 */
export async function listContainersLight(
  filters: Record<string, string[]>,
): Promise<Dockerode.ContainerInfo[]> {
  const { default: Modem } = await import("docker-modem");
  const modem = new Modem();
  const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: "/containers/json?",
        method: "GET",
        options: { all: true, filters: JSON.stringify(filters) },
        statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
      },
      (error, data) => {
        if (!error) return resolve(data as Dockerode.ContainerInfo[]);
        reject(
          new NexusError(`Cannot reach the Docker Engine at ${where}: ${error.message}`, {
            category: "docker_unavailable",
            hint: "Start Docker (e.g. `sudo systemctl start docker`) or check DOCKER_HOST.",
            cause: error,
          }),
        );
      },
    );
  });
}
