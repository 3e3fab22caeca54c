import type { ProjectContext } from "./context.js";
import { portEnvName } from "./environment/override.js";
import type { Environment } from "./environment/types.js";
import { projectName } from "./names.js";
import type { Started } from "./setup/runtime.js";
import { hasHostEntry, hostAlias } from "./setup/ssh.js";
import { devRecord, type PortRecord, type WorkspaceRecord } from "./store.js";

export interface WorkspaceSummary {
  /** The record without its dev target: remoteEnv may hold ${localEnv:…} values (tokens); --json prints this. */
  workspace: Omit<WorkspaceRecord, "dev">;
  ports: PortRecord[];
  env: Record<string, string>;
  copiedFiles?: string[];
  /** `ssh <alias>` reaches the dev container; unique per repository and workspace. */
  sshAlias?: string;
  /** Why there is no `ssh <alias>`, and what to use instead (when the workspace has a dev container). */
  sshUnavailable?: string;
}

/** Host-side values of the port variables and the environment's host_env, as `ports` prints them. */
function portVariables(workspace: string, ports: PortRecord[]): Record<string, string> {
  const vars: Record<string, string> = { NEXUS_WORKSPACE: workspace };
  for (const port of ports) vars[portEnvName(port.name)] = String(port.hostPort);
  return vars;
}

function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_, key: string, fallback?: string) => vars[key] ?? fallback ?? "",
  );
}

function hostEnvironment(
  env: Environment | undefined,
  workspace: string,
  ports: PortRecord[],
): Record<string, string> {
  const vars = portVariables(workspace, ports);
  const hostEnv = Object.entries(env?.hostEnv ?? {}).map(([k, v]) => [k, interpolate(v, vars)]);
  return { ...vars, ...Object.fromEntries(hostEnv) };
}

export function summary(ctx: ProjectContext, name: string, env?: Environment): WorkspaceSummary {
  const ports = ctx.store.ports(name);
  const { dev: _dev, ...workspace } = ctx.store.get(name);
  const alias = hostAlias({ repoId: ctx.repoId, workspace: name });
  // Only where sshd answers (the image has one): its Host entry is written then.
  const sshAlias = env?.devService && env.ssh && hasHostEntry(alias) ? alias : undefined;
  const sshUnavailable = env?.devService && !sshAlias ? noSshReason(env, workspace) : undefined;
  return { workspace, ports, env: hostEnvironment(env, name, ports), sshAlias, sshUnavailable };
}

function noSshReason(env: Environment, workspace: WorkspaceSummary["workspace"]): string {
  const shell = `use \`nexus workspace shell ${workspace.name}\``;
  if (!env.ssh) return `SSH is turned off for this environment (ssh: false): ${shell}.`;
  if (workspace.state !== "running")
    return `the workspace is not running: \`nexus workspace up ${workspace.name}\` starts it.`;
  return `the dev image (service ${env.devService}) has no sshd (/usr/sbin/sshd): ${shell}, or install openssh-server in the image.`;
}

/** `ports` of an existing workspace: its leases and the host-side variables its environment names. */
export async function workspacePorts(ctx: ProjectContext, name: string): Promise<WorkspaceSummary> {
  const { environmentFor } = await import("./environment/environment.js");
  const env = await environmentFor(ctx, ctx.store.get(name)).catch(() => undefined);
  return summary(ctx, name, env);
}

/** After create/up: the record's state and service count, then what `create` prints. */
/** A remote workspace's commands run as the host's user: recorded, as this machine's is not it. */
function devOf(record: WorkspaceRecord, result: { env?: Environment; started?: Started }) {
  const dev = devRecord(result.env);
  return dev && record.host && result.started ? { ...dev, user: result.started.user } : dev;
}

export function finish(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  result: { copiedFiles?: string[]; env?: Environment; started?: Started },
): WorkspaceSummary {
  const ref = { repoId: ctx.repoId, workspace: record.name };
  ctx.store.update(record.name, {
    state: result.started ? "running" : "stopped",
    services: result.started?.services.length ?? 0,
    templateHash: result.env?.hash,
    // Where gates, exec and agents run from now on: found by label, no environment derived again.
    ...(result.env ? { composeProject: projectName(ref), dev: devOf(record, result) } : {}),
  });
  return { ...summary(ctx, record.name, result.env), copiedFiles: result.copiedFiles };
}
