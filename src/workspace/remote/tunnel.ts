/**
 * How this machine reaches a workspace on a remote host (docs/remote-hosts.md, "How Nexus reaches a
 * remote workspace"): the host's Docker socket forwarded to a local unix socket over the host's master
 * connection, and the workspace's published ports (127.0.0.1:P on the host) reached at 127.0.0.1:P here
 * through one ssh process per workspace.
 *
 * What OpenSSH 9.2 does here (checked by hand against test/helpers/remote-host.ts):
 * - `ssh -O forward -L /local.sock:/var/run/docker.sock` on a master adds a unix-socket forward
 *   (~10 ms); asking again for one that exists answers 0 and changes nothing.
 * - A master with ControlPersist=60s stays up while a forwarded connection is open (a `GET /events`
 *   stream kept it 25 s with ControlPersist=10s; it ended 10 s after the stream did) but an idle
 *   listener does not hold it: 60 s after its last session or forwarded connection it ends and LEAVES
 *   the socket file. The next forward is refused ("Port forwarding
 *   failed") unless the master was started with StreamLocalBindUnlink=yes (given to the `-O forward`
 *   client it does nothing: the master binds), hence that option in sshArgs.
 * - `ssh -f -N -o ControlMaster=yes -S CTL -o ExitOnForwardFailure=yes -L …` binds every port before
 *   it goes to the background (a taken port: exit 255, "bind [127.0.0.1]:P: Address already in use");
 *   with ServerAliveInterval=1/CountMax=2 it exits ~3 s after the host's link goes down, and removes its
 *   control socket when it exits. After `-O exit` it ends within ms, but its parent is init, which
 *   may reap it late (here ~1.7 s): a zombie counts as ended (closeTunnels).
 * - ssh keeps the FIRST value of an option: ours go before sshArgs. `-M` toggles yes→ask after
 *   `ControlMaster=auto`, so the tunnel process gets `-o ControlMaster=yes` instead.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { run } from "../../core/process.js";
import { type Host, type HostPaths, hostPaths } from "./hosts.js";
import { ownControlDir, ssh, sshArgs, sshFailure } from "./ssh.js";

const PING_TIMEOUT_MS = 3_000;
const CONTROL_TIMEOUT_MS = 5_000;
const OPEN_TIMEOUT_MS = 30_000;

/** A short name from parts that may be long (unix socket paths are limited to ~108 bytes). */
function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

/** A path given to ssh's -S: `%` is one of its tokens. */
function controlPath(path: string): string {
  return path.replaceAll("%", "%%");
}

export interface SocketAnswer {
  status: number;
  body: string;
}

/** One GET over a unix socket (the Engine API); rejects when nothing answers within `timeoutMs`. */
export function socketGet(
  socketPath: string,
  path: string,
  timeoutMs = PING_TIMEOUT_MS,
): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

async function pings(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  return socketGet(socketPath, "/_ping").then(
    (answer) => answer.status === 200,
    () => false,
  );
}

function where(host: Host): string {
  return `${host.name} (${host.user}@${host.hostname}:${host.port})`;
}

/**
 * The host's Docker socket, forwarded to a local unix socket (in the 0700 control folder) over the
 * host's master connection; returns the local socket path. Fast (one /_ping) when already forwarded;
 * otherwise forwards on the master, opening it first (`ssh host true`) when none is up. The master ends 60 s after its last session
 * or forwarded connection (an idle forward does not hold it): call this at the start of each command
 * rather than keeping the path across idle minutes.
 */
export async function hostEngineSocket(
  host: Host,
  options: { remoteSocket?: string; paths?: HostPaths } = {},
): Promise<string> {
  const paths = options.paths ?? hostPaths();
  const remote = options.remoteSocket ?? "/var/run/docker.sock";
  const local = join(ownControlDir(paths), `dk-${shortHash(host.name, remote)}.sock`);
  if (await pings(local)) return local;
  const forwardArgs = [...sshArgs(host, paths), "-O", "forward", "-L", `${local}:${remote}`];
  const forwardOnMaster = () =>
    run("ssh", [...forwardArgs, "--", host.hostname], { timeoutMs: CONTROL_TIMEOUT_MS });
  // A master that is up (a command just ran) takes the forward at once (~10 ms); else open one first.
  let forward = await forwardOnMaster();
  if (forward.exitCode !== 0) {
    const opened = await ssh(host, "true", { paths });
    if (opened.exitCode !== 0) throw sshFailure(host, opened);
    forward = await forwardOnMaster();
  }
  if (forward.exitCode !== 0)
    throw new NexusError(`Cannot forward the Docker socket of ${where(host)}: ${lastLine(forward.stderr)}`, {
      category: "environment",
      hint: `Remove ${local} if it is left over, then try again; \`nexus host check ${host.name}\` checks the connection.`,
    });
  if (await pings(local)) return local;
  throw new NexusError(`Docker on ${where(host)} does not answer at ${remote}.`, {
    category: "docker_unavailable",
    hint: `Start Docker on the host and check that ${host.user} may use ${remote} there (in the docker group); \`nexus host check ${host.name}\` says more.`,
  });
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "no message";
}

/** The control socket of a workspace's tunnel process: from the host's name and the key only. */
function tunnelControl(host: Host, key: string, paths: HostPaths): string {
  return join(ownControlDir(paths), `tun-${shortHash(host.name, key)}`);
}

function controlArgs(host: Host, control: string, paths: HostPaths, command: "check" | "exit"): string[] {
  return [...sshArgs(host, paths), "-S", controlPath(control), "-O", command, "--", host.hostname];
}

/** How fast a tunnel process notices that the host is gone: interval × count seconds. */
export interface TunnelOptions {
  aliveIntervalS?: number;
  aliveCountMax?: number;
}

/**
 * Opens (or replaces) the tunnels of one workspace (`key`, e.g. `${repoId}/${workspace}`): one ssh
 * process in the background, its own connection and control socket, so the tunnels outlive the
 * command and end with closeTunnels, or when the host stops answering (ServerAlive, 45 s by default).
 */
export async function openTunnels(
  host: Host,
  key: string,
  ports: number[],
  paths: HostPaths = hostPaths(),
  options: TunnelOptions = {},
): Promise<void> {
  await closeTunnels(host, key, paths);
  if (ports.length === 0) return;
  for (const port of ports) if (!(await portFree(port))) throw portTaken(host, key, port);
  const control = tunnelControl(host, key, paths);
  const result = await run(
    "ssh",
    [
      ...["-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o", "ExitOnForwardFailure=yes"],
      ...["-o", `ServerAliveInterval=${options.aliveIntervalS ?? 15}`],
      ...["-o", `ServerAliveCountMax=${options.aliveCountMax ?? 3}`],
      ...sshArgs(host, paths),
      ...["-S", controlPath(control), "-f", "-N"],
      ...ports.flatMap((port) => ["-L", `127.0.0.1:${port}:127.0.0.1:${port}`]),
      ...["--", host.hostname],
    ],
    { timeoutMs: OPEN_TIMEOUT_MS },
  );
  if (result.exitCode === 0) return;
  const taken = /bind \[?127\.0\.0\.1\]?:(\d+): Address already in use/.exec(result.stderr);
  if (taken) throw portTaken(host, key, Number(taken[1]));
  throw sshFailure(host, result);
}

function portTaken(host: Host, key: string, port: number): NexusError {
  return new NexusError(
    `Port ${port} on 127.0.0.1 is taken by another program; ${key} on ${host.name} publishes it.`,
    {
      category: "port_conflict",
      hint: `See which program holds it (\`ss -ltnp 'sport = :${port}'\`) and stop it, then start the workspace again.`,
    },
  );
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Ends that workspace's tunnel process and waits until its ports are free; fine when none is open. */
export async function closeTunnels(host: Host, key: string, paths: HostPaths = hostPaths()): Promise<void> {
  const control = tunnelControl(host, key, paths);
  const pid = await tunnelPid(host, control, paths);
  if (pid !== undefined) {
    await run("ssh", controlArgs(host, control, paths, "exit"), { timeoutMs: CONTROL_TIMEOUT_MS });
    // Only the tunnel process itself, never a process that took its pid since.
    if (!(await gone(pid, 2_000)) && ownCommandLine(pid).includes(basename(control))) signal(pid, "SIGTERM");
    await gone(pid, 2_000);
  }
  // A process killed with -9 leaves its socket; a new master would then run without one (unfindable).
  rmSync(control, { force: true });
}

/** Whether the workspace's tunnel process answers on its control socket. */
export async function tunnelsOpen(host: Host, key: string, paths: HostPaths = hostPaths()): Promise<boolean> {
  return (await tunnelPid(host, tunnelControl(host, key, paths), paths)) !== undefined;
}

/** `-O check` answers "Master running (pid=N)" on stderr. */
async function tunnelPid(host: Host, control: string, paths: HostPaths): Promise<number | undefined> {
  if (!existsSync(control)) return undefined;
  const result = await run("ssh", controlArgs(host, control, paths, "check"), {
    timeoutMs: CONTROL_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) return undefined;
  const pid = Number(/pid=(\d+)/.exec(result.stderr)?.[1]);
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}

/** Whether `pid` has ended within `timeoutMs`. */
async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pid <= 1 || !signal(pid, 0) || zombie(pid)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function ownCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** Ended but not yet reaped (the tunnel process's parent is init, which may reap late). */
function zombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
