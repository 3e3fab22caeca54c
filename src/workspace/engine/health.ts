import type Dockerode from "dockerode";
import { NexusError } from "../../core/errors.js";
import { projectName, type WorkspaceRef } from "../names.js";
import { beginOnStart } from "./compose.js";
import { listServices } from "./containers.js";
import { inspectContainer } from "./docker.js";
import { discard, runInContainer } from "./exec.js";

/** Pause between two of Nexus's own health probes (each is a `docker exec` of the service's test). */
const PROBE_GAP_MS = 20;
/** A probe that has not ended by then counts as failed (Docker's default health timeout is 30 s). */
const PROBE_TIMEOUT_MS = 5_000;

type ContainerInfo = Dockerode.ContainerInspectInfo;

async function serviceContainerId(spec: WorkspaceRef, service: string): Promise<string> {
  const state = (await listServices(spec)).find((s) => s.service === service);
  if (!state) throw new NexusError(`Service ${service} has no container.`, { category: "docker" });
  return state.id;
}

/**
 * Waits until a service is healthy. While Docker still says "starting", Nexus runs the service's own
 * health test itself, one probe right after the other: readiness is seen at once, so a compose file
 * can keep Docker's interval slow (cheap with many workspaces running) without slowing `create` and
 * `up` (Docker 20-24 has no `start_interval`; `npm run bench` shows the difference).
 */
async function waitHealthy(
  spec: WorkspaceRef,
  service: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  const id = await serviceContainerId(spec, service);
  for (;;) {
    if (options.signal?.aborted) return;
    const info = await inspectContainer(id);
    const health = info.State.Health?.Status;
    if (info.State.Running && (health === "healthy" || !info.State.Health)) return;
    if (!info.State.Running || health === "unhealthy") throw notHealthy(spec, service, info);
    if (await probe(info)) return;
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
async function probe(info: ContainerInfo): Promise<boolean> {
  const [kind, ...args] = info.Config.Healthcheck?.Test ?? [];
  const cmd = kind === "CMD" ? args : kind === "CMD-SHELL" ? ["/bin/sh", "-c", args.join(" ")] : undefined;
  if (!cmd?.length) return false;
  try {
    const code = await runInContainer({
      containerId: info.Id,
      cmd,
      stdout: discard(),
      stderr: discard(),
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    return code === 0;
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
export function healthOnStart(spec: WorkspaceRef, services: string[], wait = waitHealthy) {
  const controller = new AbortController();
  const waits = beginOnStart(projectName(spec), services, (service) =>
    wait(spec, service, { signal: controller.signal }),
  );
  return {
    onLine: waits.onLine,
    all: async (): Promise<void> => void (await Promise.all(services.map(waits.begin))),
    abort: () => controller.abort(),
  };
}

function notHealthy(spec: WorkspaceRef, service: string, info: ContainerInfo): NexusError {
  const log = info.State.Health?.Log?.at(-1)?.Output?.trim();
  const state = info.State.Running ? "unhealthy" : `not running (exit code ${info.State.ExitCode})`;
  return new NexusError(`Service ${service} is ${state}.`, {
    category: "docker",
    hint: `${log ? `Last health check said: ${log}\n` : ""}See \`nexus workspace logs ${spec.workspace} ${service}\`.`,
  });
}
