import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { ensureDir, writeAtomic } from "../../core/atomic.js";
import { NexusError } from "../../core/errors.js";
import { withLock, withLockAsync } from "../../core/lock.js";
import { nexusHome } from "../../core/paths.js";
import { run } from "../../core/process.js";
import { projectName, type WorkspaceRef } from "../names.js";

export interface SshPaths {
  dir: string;
  userKey: string;
  hostKey: string;
  config: string;
  knownHosts: string;
  userSshConfig: string;
}

export function sshPaths(): SshPaths {
  const dir = join(nexusHome(), "ssh");
  return {
    dir,
    userKey: join(dir, "id_ed25519"),
    hostKey: join(dir, "host_ed25519"),
    config: join(dir, "config"),
    knownHosts: join(dir, "known_hosts"),
    userSshConfig: join(homedir(), ".ssh", "config"),
  };
}

/**
 * One client key per user, and one host key shared by all dev containers so the host can be
 * pinned in known_hosts: `ssh nexus-NAME` then never prompts and never trusts a stranger. Whatever is
 * missing (~/.nexus deleted) is made again; known_hosts is rewritten from the host key every time.
 */
export async function ensureSshKeys(paths: SshPaths = sshPaths()): Promise<SshPaths> {
  ensureDir(paths.dir, 0o700);
  chmodSync(paths.dir, 0o700);
  // Two first creates at once (two repositories, two agents) must not both make the keys.
  return withLockAsync(join(paths.dir, "keys.lock"), () => makeKeys(paths));
}

async function makeKeys(paths: SshPaths): Promise<SshPaths> {
  await ensureKey(paths.userKey, "nexus user key");
  await ensureKey(paths.hostKey, "nexus workspace host key");
  writeAtomic(paths.knownHosts, `nexus-* ${publicKey(`${paths.hostKey}.pub`)}\n`, 0o600);
  return paths;
}

/** `ssh-ed25519 AAAA…` of a .pub file, without its comment. */
function publicKey(file: string): string {
  return readFileSync(file, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/**
 * What the dev container's setup (runtime/dev-init.sh) installs at every start, in the environment
 * of its `docker exec`: the client key it authorises and the host key pair it serves. Given at each
 * start, not mounted: a running container then takes new keys when ~/.nexus was deleted and made again.
 */
export function containerKeyEnv(paths: SshPaths = sshPaths()): string[] {
  return [
    `NEXUS_SSH_AUTHORIZED_KEY=${publicKey(`${paths.userKey}.pub`)}`,
    `NEXUS_SSH_HOST_KEY=${readFileSync(paths.hostKey, "utf8").trim()}`,
    `NEXUS_SSH_HOST_KEY_PUB=${publicKey(`${paths.hostKey}.pub`)}`,
  ];
}

async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file) && existsSync(`${file}.pub`)) return;
  // A half-made pair (a crash between the two files) is replaced: ssh-keygen would stop to ask.
  rmSync(file, { force: true });
  rmSync(`${file}.pub`, { force: true });
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
  } catch (error) {
    throw new NexusError("ssh-keygen is not installed.", {
      category: "environment",
      hint: "Install OpenSSH's client (`apt-get install openssh-client`), or use a template with `ssh: false`.",
      cause: error,
    });
  }
  if (result.exitCode !== 0)
    throw new NexusError(`ssh-keygen failed: ${result.stderr.trim()}`, { category: "config" });
  chmodSync(file, 0o600);
}

const begin = (name: string) => `# >>> nexus workspace ${name}`;
const end = (name: string) => `# <<< nexus workspace ${name}`;

/** `ssh nexus-feat-3f9a0c`: unique per repository, so a second repository's `feat` never takes it over. */
export function hostAlias(ref: WorkspaceRef): string {
  return projectName(ref);
}

/** How `ssh ALIAS` reaches the dev container: a leased port, or `sshd -i` run through `docker exec`. */
export type SshRoute = { port: number } | { container: string };

/** Adds or replaces the workspace's Host block and makes sure ~/.ssh/config includes Nexus's file. */
export function writeHostEntry(options: {
  alias: string;
  route: SshRoute;
  user?: string;
  paths?: SshPaths;
}): void {
  const paths = options.paths ?? sshPaths();
  ensureDir(paths.dir, 0o700);
  // Concurrent creates (other repositories, other agents) each rewrite the file: one at a time.
  withLock(join(paths.dir, "config.lock"), () => writeHostBlock(paths, options));
}

function writeHostBlock(paths: SshPaths, options: { alias: string; route: SshRoute; user?: string }): void {
  const { alias, route } = options;
  const block = [
    begin(alias),
    `Host ${alias}`,
    "  HostName 127.0.0.1",
    "port" in route ? `  Port ${route.port}` : `  ProxyCommand ${proxyCommand(route.container)}`,
    `  User ${options.user ?? "root"}`,
    `  IdentityFile ${paths.userKey}`,
    "  IdentitiesOnly yes",
    `  HostKeyAlias ${alias}`,
    `  UserKnownHostsFile ${paths.knownHosts}`,
    "  StrictHostKeyChecking yes",
    "  PasswordAuthentication no",
    end(alias),
  ].join("\n");
  writeConfig(paths, `${stripBlock(readConfig(paths), alias)}${block}\n`);
  ensureInclude(paths);
}

/**
 * A dev image that is not Nexus's own gets no SSH port (whether it has sshd is known only once it
 * runs): ssh runs the container's sshd in inetd mode over the stdio of `docker exec`. Every word is
 * Nexus's own (the docker binary, a container id checked to be hex, fixed paths): nothing the
 * container wrote ever reaches the host's shell. The host key stays pinned as for a port.
 */
export function proxyCommand(container: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^[0-9a-f]{12,64}$/.test(container)) throw new Error(`not a container id: ${container.slice(0, 80)}`);
  const docker = dockerBinary(env);
  // The engine Nexus used, when DOCKER_HOST names it: ssh's environment (an editor's) may not have it.
  const host = env.DOCKER_HOST && SAFE_WORD.test(env.DOCKER_HOST) ? ` -H ${env.DOCKER_HOST}` : "";
  return `${docker}${host} exec -i -u 0 ${container} /usr/sbin/sshd -i -f /etc/ssh/sshd_config.nexus -E /var/log/nexus-sshd.log`;
}

/** Words ssh passes to the shell unchanged: no quotes, spaces, `%` tokens or shell syntax. */
const SAFE_WORD = /^[A-Za-z0-9_./:@+=,-]+$/;

function dockerBinary(env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const file = join(dir, "docker");
    if (dir.startsWith("/") && SAFE_WORD.test(file) && existsSync(file)) return file;
  }
  return "docker";
}

export function hasHostEntry(alias: string, paths: SshPaths = sshPaths()): boolean {
  return readConfig(paths).includes(`\nHost ${alias}\n`);
}

export function removeHostEntry(alias: string, paths: SshPaths = sshPaths()): void {
  if (!existsSync(paths.config)) return;
  withLock(join(paths.dir, "config.lock"), () => writeConfig(paths, stripBlock(readConfig(paths), alias)));
}

function readConfig(paths: SshPaths): string {
  return existsSync(paths.config) ? readFileSync(paths.config, "utf8") : "";
}

function writeConfig(paths: SshPaths, text: string): void {
  ensureDir(paths.dir, 0o700);
  writeAtomic(paths.config, text, 0o600);
}

function stripBlock(text: string, alias: string): string {
  const start = text.indexOf(`${begin(alias)}\n`);
  if (start < 0) return text;
  const stop = text.indexOf(end(alias), start);
  const after = stop < 0 ? text.length : stop + end(alias).length + 1;
  return text.slice(0, start) + text.slice(after);
}

/** Include must come before any Host block in ~/.ssh/config, so it goes at the top. */
function ensureInclude(paths: SshPaths): void {
  const line = `Include ${paths.config}`;
  const current = existsSync(paths.userSshConfig) ? readFileSync(paths.userSshConfig, "utf8") : "";
  if (current.split("\n").some((l) => l.trim() === line)) return;
  mkdirSync(join(paths.userSshConfig, ".."), { recursive: true, mode: 0o700 });
  // Written in place, not renamed: ~/.ssh/config is often a symbolic link into a dotfiles repository.
  writeFileSync(
    paths.userSshConfig,
    `# Added by nexus: \`ssh nexus-NAME-REPOID\` reaches a workspace (\`nexus workspace status\` names it)\n${line}\n\n${current}`,
    { mode: 0o600 },
  );
}
