import type { ComposeModel, PortModel, ServiceModel } from "../engine/compose-model.js";
import { LABELS, projectName, type WorkspaceRef } from "../names.js";
import type { PortRecord } from "../store.js";
import type { BuiltImage } from "./images.js";
import { ownDevEntry } from "./own-dev.js";
import type { Environment } from "./types.js";

export interface PortRequest {
  service: string;
  name: string;
  containerPort: number;
}

export function portEnvName(name: string): string {
  return `NEXUS_PORT_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** What the host brings into a workspace: its user, git identity, proxy and CA bundle. */
export interface HostSetup {
  uid: number;
  gid: number;
  user: string;
  gitName?: string;
  gitEmail?: string;
  /** HTTP(S)_PROXY / NO_PROXY in both cases, as the host has them. */
  proxy: Record<string, string>;
  /** The CA bundle containers and builds trust: a variable's, else the host's system store (host.ts). */
  caFile?: string;
}

export interface OverrideInput {
  ref: WorkspaceRef;
  env: Environment;
  model: ComposeModel;
  ports: PortRecord[];
  mounts: {
    worktree: string;
    gitCommonDir: string;
    /** Inside gitCommonDir, what committing writes: objects/, refs/, logs/ and this worktree's admin folder. */
    gitWritable: string[];
    runtimeScript: string;
    /** Host paths mounted read-only for the agent (config `agent.mounts`, `~` expanded). */
    agent?: { source: string; target: string }[];
  };
  host: HostSetup;
  /** Images Nexus tags for services that build without naming an image (shared across workspaces). */
  images: Record<string, BuiltImage>;
  /** Per-workspace variables from .nexus/config.yaml. */
  extraEnv: Record<string, string>;
}

/** A value the YAML writer tags `!override` (replace the list) or `!reset` (drop the key). */
export class Tagged {
  constructor(
    readonly tag: "!override" | "!reset",
    readonly value: unknown,
  ) {}
}

const KEEP_ALIVE = [
  "/bin/sh",
  "-c",
  'echo Container started; trap "exit 0" TERM INT; while sleep 1 & wait $!; do :; done',
];

/** Ports each active service publishes (plus forwarded dev ports, and SSH for Nexus's own dev images): what gets a lease. */
export function portRequestsFor(env: Environment, model: ComposeModel, services: string[]): PortRequest[] {
  const requests: PortRequest[] = [];
  for (const service of services) {
    const ports = publishedPorts(model.services[service]);
    if (service === env.devService) {
      for (const port of env.forwardPorts)
        if (!ports.some((p) => p.target === port)) ports.push({ target: port });
      if (env.ssh && env.sshPort && !ports.some((p) => p.target === 22))
        ports.push({ target: 22, name: "ssh" });
    }
    const seen = new Set<number>();
    for (const port of ports) {
      if (seen.has(port.target)) continue;
      seen.add(port.target);
      const name = port.name ?? (ports.length === 1 ? service : `${service}-${port.target}`);
      requests.push({ service, name, containerPort: port.target });
    }
  }
  return requests;
}

function publishedPorts(service: ServiceModel | undefined): PortModel[] {
  return [...(service?.ports ?? [])];
}

/** The override Nexus owns: ports, names, labels, mounts, user setup. Everything else is the project's. */
export function buildOverride(input: OverrideInput, services: string[]): Record<string, unknown> {
  const { ref, env, model } = input;
  const labels = {
    [LABELS.workspace]: ref.workspace,
    [LABELS.repo]: ref.repoId,
    [LABELS.template]: env.name,
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of services) {
    const service = model.services[name]!;
    const own: Record<string, unknown> = { labels };
    const ports = input.ports.filter((p) => p.service === name);
    if (ports.length || service.ports?.length)
      own.ports = new Tagged(
        "!override",
        ports.flatMap((p) => portEntries(p, service)),
      );
    if (service.container_name) own.container_name = new Tagged("!reset", null);
    // Nexus's content-tagged image is built here, never pulled (no registry has it), and labelled: prune finds it.
    const image = input.images[name];
    if (image) Object.assign(own, { image: image.tag, pull_policy: "never" });
    const build = service.build && buildExtras(input.host, image);
    if (build) own.build = build;
    if (name === env.devService) Object.assign(own, devService(input));
    out[name] = name === env.devService && env.ownDev ? ownDevEntry(service, own) : own;
  }
  const builds = services.some((name) => model.services[name]?.build);
  return {
    name: projectName(ref),
    // Compose ignores x- keys; a rebuilt nexus.db reads the workspace's profiles back from here.
    ...(env.profiles?.length ? { "x-nexus": { profiles: env.profiles } } : {}),
    services: out,
    ...(builds && input.host.caFile
      ? { secrets: { [CA_SECRET]: { file: escapeDollars(input.host.caFile) } } }
      : {}),
    ...labelled("networks", model, labels),
    ...labelled("volumes", model, labels),
  };
}

/** The build secret holding the host's CA bundle (docs/templates.md): RUN --mount=type=secret,id=nexus_ca. */
const CA_SECRET = "nexus_ca";

/** What every build gets from the host: the proxy as build arguments, the CA bundle as a secret; Nexus's image labels. */
function buildExtras(host: HostSetup, image?: BuiltImage): Record<string, unknown> | undefined {
  const extras: Record<string, unknown> = {};
  if (Object.keys(host.proxy).length) extras.args = host.proxy;
  if (host.caFile) extras.secrets = [CA_SECRET];
  if (image) extras.labels = image.labels;
  return Object.keys(extras).length ? extras : undefined;
}

/** One lease per container port; the file's protocols for it (a DNS server's 53 has tcp and udp) share it. */
function portEntries(port: PortRecord, service: ServiceModel): Record<string, unknown>[] {
  const declared = (service.ports ?? [])
    .filter((p) => p.target === port.containerPort)
    .map((p) => p.protocol ?? "tcp");
  const protocols = declared.length ? [...new Set(declared)] : ["tcp"];
  return protocols.map((protocol) => ({
    name: port.name,
    target: port.containerPort,
    published: String(port.hostPort),
    host_ip: "127.0.0.1",
    protocol,
  }));
}

/** Compose interpolates `$`: every string Nexus copies into a compose file is escaped. */
export function escapeDollars(value: string): string {
  return value.replace(/\$/g, "$$$$");
}

function bind(source: string, target: string, readOnly = false): Record<string, unknown> {
  const mount = { type: "bind", source: escapeDollars(source), target: escapeDollars(target) };
  return readOnly ? { ...mount, read_only: true } : mount;
}

function devService(input: OverrideInput): Record<string, unknown> {
  const { env, mounts, host } = input;
  const volumes = [
    bind(mounts.worktree, env.workspaceFolder),
    // Read-only: config, hooks, info/ and other worktrees' folders configure the host's git.
    bind(mounts.gitCommonDir, mounts.gitCommonDir, true),
    ...mounts.gitWritable.map((dir) => bind(dir, dir)),
    bind(mounts.runtimeScript, "/run/nexus/init.sh", true),
  ];
  if (host.caFile) volumes.push(bind(host.caFile, "/run/nexus/ca.crt", true));
  for (const mount of mounts.agent ?? []) volumes.push(bind(mount.source, mount.target, true));
  // Values are literal (a proxy password, a config value with `$`): Compose must not interpolate them.
  const environment = Object.fromEntries(
    Object.entries(devEnvironment(input)).map(([key, value]) => [key, escapeDollars(value)]),
  );
  const own: Record<string, unknown> = { volumes, environment };
  // devcontainer.json's overrideCommand; otherwise the image's ENTRYPOINT and the file's command run.
  if (env.overrideCommand) {
    own.entrypoint = KEEP_ALIVE;
    own.command = new Tagged("!reset", []);
  }
  return own;
}

/** NEXUS_* and the host's identity, proxy and CA, then the environment's and the config's own variables. */
export function devEnvironment(input: OverrideInput): Record<string, string> {
  const { ref, host } = input;
  const vars: Record<string, string> = {
    NEXUS_WORKSPACE: ref.workspace,
    NEXUS_WORKSPACE_FOLDER: input.env.workspaceFolder,
    // The common dir is read-only: automatic gc would fail to write its lock there.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "gc.auto",
    GIT_CONFIG_VALUE_0: "0",
  };
  for (const port of input.ports) vars[portEnvName(port.name)] = String(port.hostPort);
  if (host.gitName) Object.assign(vars, { GIT_AUTHOR_NAME: host.gitName, GIT_COMMITTER_NAME: host.gitName });
  if (host.gitEmail)
    Object.assign(vars, { GIT_AUTHOR_EMAIL: host.gitEmail, GIT_COMMITTER_EMAIL: host.gitEmail });
  Object.assign(vars, withServicesUnproxied(host.proxy, Object.keys(input.model.services)));
  if (host.caFile) {
    for (const key of [
      "NODE_EXTRA_CA_CERTS",
      "SSL_CERT_FILE",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "GIT_SSL_CAINFO",
    ])
      vars[key] = "/run/nexus/ca.crt";
  }
  return { ...vars, ...input.env.containerEnv, ...input.extraEnv };
}

/** Behind a proxy, the project's own services (`db`) and loopback are still reached directly. */
function withServicesUnproxied(proxy: Record<string, string>, services: string[]): Record<string, string> {
  if (!Object.keys(proxy).some((key) => /^(https?|all)_proxy$/i.test(key))) return proxy;
  const listed = (proxy.NO_PROXY ?? "").split(",").map((entry) => entry.trim());
  const direct = ["localhost", "127.0.0.1", ...services].filter((name) => !listed.includes(name));
  const noProxy = [...listed.filter(Boolean), ...direct].join(",");
  return { ...proxy, NO_PROXY: noProxy, no_proxy: noProxy };
}

/**
 * The project's own networks and volumes get Nexus's labels; one with a fixed `name:` would be shared
 * by every workspace of the file, so it gets the workspace's own name instead. External ones are the
 * user's to share and stay untouched.
 */
function labelled(kind: "networks" | "volumes", model: ComposeModel, labels: Record<string, string>) {
  const own = Object.entries(model[kind] ?? {}).filter(([, spec]) => !spec?.external);
  if (!own.length) return {};
  const entry = (key: string, spec: { name?: string } | null) => {
    const scoped = `${model.name}_${key}`;
    return spec?.name && spec.name !== scoped ? { labels, name: scoped } : { labels };
  };
  return { [kind]: Object.fromEntries(own.map(([key, spec]) => [key, entry(key, spec)])) };
}
