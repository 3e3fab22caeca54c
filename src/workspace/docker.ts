import type Dockerode from "dockerode";
import { NexusError } from "../core/errors.js";
import { debug, info, style } from "../core/output.js";
import { listFiles } from "./template-files.js";
import type { ResolvedService } from "./templates.js";

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

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Builds (or pulls) a service's image once; later workspaces reuse it by its content-hash tag. */
type ImageResult = "cached" | "built" | "pulled";
const pending = new Map<string, Promise<ImageResult>>();

/** Concurrent creates in one process share one build of an image instead of racing. */
export function ensureImage(docker: Docker, service: ResolvedService): Promise<ImageResult> {
  const running = pending.get(service.imageRef);
  if (running) return running.then(() => "cached" as const);
  const job = buildOrPull(docker, service).finally(() => pending.delete(service.imageRef));
  pending.set(service.imageRef, job);
  return job;
}

async function buildOrPull(docker: Docker, service: ResolvedService): Promise<ImageResult> {
  if (await imageExists(docker, service.imageRef)) return "cached";
  if (!service.contextDir) {
    info(`${style.dim("pull")} ${service.imageRef}`);
    await followStream(docker, await docker.pull(service.imageRef), `pull ${service.imageRef}`);
    return "pulled";
  }
  info(
    `${style.bold("build")} ${service.name} → ${service.imageRef} ${style.dim("(first use; later workspaces reuse it)")}`,
  );
  const stream = await docker.buildImage(
    { context: service.contextDir, src: listFiles(service.contextDir) },
    {
      t: service.imageRef,
      dockerfile: service.build?.dockerfile ?? "Dockerfile",
      buildargs: service.build?.args ?? {},
      labels: { "nexus.image": "template" },
      rm: true,
    },
  );
  await followStream(docker, stream, `build ${service.name}`);
  return "built";
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function followStream(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        const failed = error?.message ?? events.find((e) => e.error)?.error;
        if (!failed) return resolve();
        reject(
          new NexusError(`Docker ${what} failed: ${failed.trim()}`, {
            category: "docker",
            hint: `Last output:\n${tail.join("\n")}\nFix the template's Dockerfile or image name, then retry.`,
          }),
        );
      },
      (event: ProgressEvent) => {
        const line = (event.stream ?? event.status ?? "").trimEnd();
        if (!line) return;
        tail.push(line);
        if (tail.length > 15) tail.shift();
        if (line.startsWith("Step ") || event.status) info(style.dim(`  ${line.split("\n")[0]}`));
        else debug(`  ${line}`);
      },
    );
  });
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
