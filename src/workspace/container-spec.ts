import { createHash } from "node:crypto";
import { isAbsolute, join, resolve } from "node:path";
import type Dockerode from "dockerode";
import { projectName, type WorkspaceRef } from "./names.js";
import { portEnvName } from "./ports.js";
import type { PortRecord } from "./store.js";
import type { ResolvedService, Template } from "./templates.js";

export interface WorkspaceSpec {
  workspace: string;
  /** Distinguishes repositories, so prune never touches another project's workspaces. */
  repoId: string;
  template: Template;
  worktreePath: string;
  gitCommonDir: string;
  ports: PortRecord[];
  runtimeScript: string;
  sshDir?: string;
}

export const LABEL = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  number: "com.docker.compose.container-number",
  oneoff: "com.docker.compose.oneoff",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  configHash: "com.docker.compose.config-hash",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
  workspace: "nexus.workspace",
  repo: "nexus.repo",
  template: "nexus.template",
} as const;

export const networkName = (ref: WorkspaceRef) => `${projectName(ref)}_default`;
export const volumeName = (ref: WorkspaceRef, volume: string) => `${projectName(ref)}_${volume}`;
export const containerName = (ref: WorkspaceRef, service: string) => `${projectName(ref)}-${service}-1`;

export function resourceLabels(spec: Pick<WorkspaceSpec, "workspace" | "repoId">): Record<string, string> {
  return {
    [LABEL.project]: projectName(spec),
    [LABEL.workspace]: spec.workspace,
    [LABEL.repo]: spec.repoId,
  };
}

/** Host-side values of the port variables and the template's host_env, as `ports` prints them. */
export function portVariables(workspace: string, ports: PortRecord[]): Record<string, string> {
  const vars: Record<string, string> = { NEXUS_WORKSPACE: workspace };
  for (const port of ports) vars[portEnvName(port.name)] = String(port.hostPort);
  return vars;
}

export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_, key: string, fallback?: string) => vars[key] ?? fallback ?? "",
  );
}

export function hostEnvironment(
  template: Template,
  workspace: string,
  ports: PortRecord[],
): Record<string, string> {
  const vars = portVariables(workspace, ports);
  const hostEnv = Object.entries(template.compose["x-nexus"].host_env).map(([k, v]) => [
    k,
    interpolate(v, vars),
  ]);
  return { ...vars, ...Object.fromEntries(hostEnv) };
}

export function containerOptions(
  spec: WorkspaceSpec,
  service: ResolvedService,
): Dockerode.ContainerCreateOptions {
  const isDev = spec.template.devService === service.name;
  const ports = spec.ports.filter((p) => p.service === service.name);
  const vars = portVariables(spec.workspace, spec.ports);
  const env = { ...vars, ...mapValues(service.environment, (v) => interpolate(v, vars)) };
  if (isDev)
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "safe.directory",
      GIT_CONFIG_VALUE_0: "*",
    });
  const network = networkName(spec);
  const options: Dockerode.ContainerCreateOptions = {
    name: containerName(spec, service.name),
    Image: service.imageRef,
    Hostname: service.name,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Cmd: toCommand(service.command),
    Entrypoint: isDev ? ["/bin/sh", "/run/nexus/init.sh"] : toCommand(service.entrypoint),
    WorkingDir: service.working_dir ?? (isDev ? "/workspace" : undefined),
    User: service.user,
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.containerPort}/tcp`, {}])),
    Healthcheck: service.healthcheck && healthcheck(service.healthcheck),
    HostConfig: {
      NetworkMode: network,
      // Published on loopback only: a workspace is never reachable from the network by default.
      PortBindings: Object.fromEntries(
        ports.map((p) => [`${p.containerPort}/tcp`, [{ HostIp: "127.0.0.1", HostPort: String(p.hostPort) }]]),
      ),
      Mounts: [...serviceMounts(spec, service), ...(isDev ? devMounts(spec) : [])],
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [service.name] } } },
  };
  const hash = createHash("sha256").update(JSON.stringify(options)).digest("hex").slice(0, 16);
  options.Labels = {
    ...resourceLabels(spec),
    [LABEL.service]: service.name,
    [LABEL.number]: "1",
    [LABEL.oneoff]: "False",
    [LABEL.workingDir]: spec.worktreePath,
    [LABEL.configFiles]: join(spec.template.dir, "compose.yaml"),
    [LABEL.configHash]: hash,
    [LABEL.template]: spec.template.name,
  };
  return options;
}

function serviceMounts(spec: WorkspaceSpec, service: ResolvedService): Dockerode.MountSettings[] {
  return service.volumes.map((entry) => {
    const [source = "", target = "", mode] = entry.split(":");
    const readOnly = mode === "ro";
    if (!target) return { Type: "volume", Source: "", Target: source, ReadOnly: false };
    if (source.startsWith(".") || isAbsolute(source)) {
      return { Type: "bind", Source: resolve(spec.worktreePath, source), Target: target, ReadOnly: readOnly };
    }
    return { Type: "volume", Source: volumeName(spec, source), Target: target, ReadOnly: readOnly };
  });
}

/** The worktree at /workspace, and the repository's git dir at its host path so the worktree's .git file resolves. */
function devMounts(spec: WorkspaceSpec): Dockerode.MountSettings[] {
  const mounts: Dockerode.MountSettings[] = [
    { Type: "bind", Source: spec.worktreePath, Target: "/workspace" },
    { Type: "bind", Source: spec.gitCommonDir, Target: spec.gitCommonDir },
    { Type: "bind", Source: spec.runtimeScript, Target: "/run/nexus/init.sh", ReadOnly: true },
  ];
  if (spec.sshDir)
    mounts.push({ Type: "bind", Source: spec.sshDir, Target: "/run/nexus/ssh", ReadOnly: true });
  return mounts;
}

function toCommand(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? ["/bin/sh", "-c", value] : value;
}

function healthcheck(check: NonNullable<ResolvedService["healthcheck"]>): Dockerode.HealthConfig {
  if (check.disable) return { Test: ["NONE"] };
  return {
    Test: check.test,
    Interval: nanos(check.interval),
    Timeout: nanos(check.timeout),
    Retries: check.retries,
    StartPeriod: nanos(check.start_period),
  };
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function nanos(duration: string | undefined): number | undefined {
  if (!duration) return undefined;
  let total = 0;
  for (const [, value, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) {
    total += Number(value) * UNIT_NS[unit!]!;
  }
  return Math.round(total);
}

function mapValues(record: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
