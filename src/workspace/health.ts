import type Dockerode from "dockerode";
import { NexusError } from "../core/errors.js";
import { startedService } from "./compose.js";
import { listServices } from "./containers.js";
import type { Docker } from "./docker.js";
import { projectName, type WorkspaceRef } from "./names.js";

/** Pause between two of Nexus's own health probes (each is a `docker exec` of the service's test). */
const PROBE_GAP_MS = 20;
/** A probe that has not ended by then counts as failed (Docker's default health timeout is 30 s). */
const PROBE_TIMEOUT_MS = 5_000;

async function serviceContainer(docker: Docker, spec: WorkspaceRef, service: string) {
  const state = (await listServices(docker, spec)).find((s) => s.service === service);
  if (!state) throw new NexusError(`Service ${service} has no container.`, { category: "docker" });
  return docker.getContainer(state.id);
}

/**
 * Waits until a service is healthy. While Docker still says "starting", Nexus runs the service's own
 * health test itself, one probe right after the other: readiness is seen at once, so a compose file
 * can keep Docker's interval slow (cheap with many workspaces running) without slowing `create` and
 * `up` (Docker 20-24 has no `start_interval`; `npm run bench` shows the difference).
 */
export async function waitHealthy(
  docker: Docker,
  spec: WorkspaceRef,
  service: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  const container = await serviceContainer(docker, spec, service);
  for (;;) {
    if (options.signal?.aborted) return;
    const info = await container.inspect();
    const health = info.State.Health?.Status;
    if (info.State.Running && (health === "healthy" || !info.State.Health)) return;
    if (!info.State.Running || health === "unhealthy") throw notHealthy(spec, service, info);
    if (await probe(container, info)) return;
    if (Date.now() > deadline) {
      throw new NexusError(`Service ${service} did not become healthy within ${timeoutMs / 1000} s.`, {
        category: "timeout",
        hint: `See \`nexus workspace logs ${spec.workspace} ${service}\`.`,
      });
    }
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
  }
}

/** One run of the service's health test in its container; true when it exits 0. */
async function probe(container: Dockerode.Container, info: Dockerode.ContainerInspectInfo): Promise<boolean> {
  const [kind, ...args] = info.Config.Healthcheck?.Test ?? [];
  const cmd = kind === "CMD" ? args : kind === "CMD-SHELL" ? ["/bin/sh", "-c", args.join(" ")] : undefined;
  if (!cmd?.length) return false;
  try {
    const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    // The attached stream ends when the test's process does: no polling of the exec's state.
    const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    await new Promise<void>((done) => {
      const timer = setTimeout(done, PROBE_TIMEOUT_MS);
      const end = () => {
        clearTimeout(timer);
        done();
      };
      stream.on("end", end).on("close", end).on("error", end).resume();
    });
    stream.destroy();
    const result = await exec.inspect();
    return !result.Running && result.ExitCode === 0;
  } catch {
    // The container may be restarting; Docker's own check decides then.
    return false;
  }
}

/**
 * Health waits that start as soon as Compose says a service's container started (`onLine` reads its
 * progress lines), so a database's first probes run while Compose still starts the dev container.
 * `all` waits for every service, starting those Compose never named; `abort` ends them all.
 */
export function healthOnStart(docker: () => Promise<Docker>, spec: WorkspaceRef, services: string[]) {
  const waits = new Map<string, Promise<void>>();
  const controller = new AbortController();
  const start = (service: string) => {
    const wait = docker().then((d) => waitHealthy(d, spec, service, { signal: controller.signal }));
    wait.catch(() => undefined); // awaited by `all`
    waits.set(service, wait);
  };
  const project = projectName(spec);
  return {
    onLine(line: string): void {
      const service = startedService(line, project, services);
      if (service && !waits.has(service)) start(service);
    },
    async all(): Promise<void> {
      for (const service of services) if (!waits.has(service)) start(service);
      await Promise.all(waits.values());
    },
    abort: () => controller.abort(),
  };
}

function notHealthy(spec: WorkspaceRef, service: string, info: Dockerode.ContainerInspectInfo): NexusError {
  const log = info.State.Health?.Log?.at(-1)?.Output?.trim();
  const state = info.State.Running ? "unhealthy" : `not running (exit code ${info.State.ExitCode})`;
  return new NexusError(`Service ${service} is ${state}.`, {
    category: "docker",
    hint: `${log ? `Last health check said: ${log}\n` : ""}See \`nexus workspace logs ${spec.workspace} ${service}\`.`,
  });
}

export async function waitExited(docker: Docker, spec: WorkspaceRef, service: string): Promise<void> {
  const container = await serviceContainer(docker, spec, service);
  const info = await container.inspect();
  const result = info.State.Running ? await container.wait() : { StatusCode: info.State.ExitCode };
  if (result.StatusCode !== 0) {
    throw new NexusError(`Service ${service} exited with code ${result.StatusCode}.`, {
      category: "docker",
      hint: `See \`nexus workspace logs ${spec.workspace} ${service}\`.`,
    });
  }
}
