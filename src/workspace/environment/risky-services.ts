import type { SERVICE_RISKS } from "../../core/config.js";
import { NexusError } from "../../core/errors.js";
import type { ComposeModel, ServiceModel } from "../engine/compose-model.js";

/** What a service can ask for that reaches past its own workspace, as `allow:` in config names it. */
export type Risk = (typeof SERVICE_RISKS)[number];

const SAID: Record<Risk, string> = {
  host_network: "the host's network (network_mode: host: its ports listen on every interface)",
  host_pid: "the host's processes (pid: host)",
  host_ipc: "the host's shared memory (ipc: host)",
  privileged: "the host's devices and kernel (privileged: true)",
  docker_socket: "the Docker socket (control of every container and, through them, the host)",
};

const SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export interface RiskyService {
  service: string;
  risks: Risk[];
}

/** Services among `services` that ask for the host's network, processes, privileges or Docker socket. */
export function riskyServices(model: ComposeModel, services: string[]): RiskyService[] {
  const found: RiskyService[] = [];
  for (const service of services) {
    const spec = model.services[service];
    const risks = spec ? risksOf(spec) : [];
    if (risks.length) found.push({ service, risks });
  }
  return found;
}

function risksOf(spec: ServiceModel): Risk[] {
  const risks: Risk[] = [];
  if (spec.network_mode === "host") risks.push("host_network");
  if (spec.pid === "host") risks.push("host_pid");
  if (spec.ipc === "host") risks.push("host_ipc");
  if (spec.privileged === true) risks.push("privileged");
  if (((spec.volumes ?? []) as { type?: string; source?: string }[]).some(mountsDockerSocket))
    risks.push("docker_socket");
  return risks;
}

/** The socket itself, or a folder holding it (`/`, `/var/run`, `/run`...), bound in any syntax. */
function mountsDockerSocket(volume: { type?: string; source?: string }): boolean {
  if (volume.type !== "bind" || !volume.source) return false;
  const source = volume.source.replace(/\/+$/, "") || "/";
  return SOCKETS.some(
    (socket) => socket === source || socket.startsWith(source === "/" ? "/" : `${source}/`),
  );
}

/**
 * Refuses (before anything starts) a service that asks for any of these without an `allow` entry in
 * the main checkout's `.nexus/config.yaml`; one that is allowed is named through `onWarning`.
 */
export function checkRiskyServices(options: {
  model: ComposeModel;
  services: string[];
  allow: Record<string, Risk[]>;
  onWarning: (message: string) => void;
}): void {
  const refused: string[] = [];
  const entries: string[] = [];
  for (const { service, risks } of riskyServices(options.model, options.services)) {
    const allowed = options.allow[service] ?? [];
    const missing = risks.filter((risk) => !allowed.includes(risk));
    for (const risk of risks.filter((r) => allowed.includes(r)))
      options.onWarning(`service ${service} is allowed ${SAID[risk]}.`);
    if (!missing.length) continue;
    refused.push(`${service} asks for ${missing.map((risk) => SAID[risk]).join(" and ")}`);
    entries.push(`${service}: [${[...allowed, ...missing].join(", ")}]`);
  }
  if (!refused.length) return;
  throw new NexusError(`Refused to start: ${refused.join("; ")}. Nothing was started.`, {
    category: "config",
    hint: `Remove it from the compose file, or allow it in the main checkout's .nexus/config.yaml:\nallow:\n  ${entries.join("\n  ")}`,
  });
}
