import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { NexusError } from "../../core/errors.js";
import { beginOnStart } from "../engine/compose.js";
import { listServices, type ServiceState } from "../engine/containers.js";
import { inspectContainer } from "../engine/docker.js";
import { runInContainer } from "../engine/exec.js";
import { engineTarget } from "../engine/target.js";
import type { HostSetup } from "../environment/override.js";
import type { Environment } from "../environment/types.js";
import { projectName, type WorkspaceRef } from "../names.js";
import type { PortRecord } from "../store.js";
import { hasHostEntry, hostAlias, removeHostEntry, writeHostEntry } from "./ssh.js";

interface PrepareOptions {
  ref: WorkspaceRef;
  env: Environment;
  dev: ServiceState;
  host: HostSetup;
  ports: PortRecord[];
  /** The SSH keys the setup installs (absent: no SSH). */
  sshKeys?: string[];
}

/**
 * The dev container's setup, begun as soon as Compose says the dev container started: it runs while
 * Compose still creates and starts the other services (a database's new volume is filled first).
 * `result` begins it when Compose never said so (the container was already running) and gives the
 * dev container's state; `settled` waits for a begun setup, whatever its outcome.
 */
export function devSetupOnStart(options: Omit<PrepareOptions, "dev">, setUp = setUpDevContainer) {
  const dev = options.env.devService;
  const setups = beginOnStart(projectName(options.ref), dev ? [dev] : [], () => setUp(options));
  return {
    onLine: setups.onLine,
    result: () => (dev ? setups.begin(dev) : Promise.resolve(undefined)),
    settled: async () => void (await Promise.allSettled(setups.begun())),
  };
}

/** The dev service's container, set up (none when the workspace has no dev container running). */
async function setUpDevContainer(options: Omit<PrepareOptions, "dev">): Promise<ServiceState | undefined> {
  const dev = (await listServices(options.ref)).find((s) => s.service === options.env.devService);
  if (dev) await prepareDevContainer({ ...options, dev });
  return dev;
}

/**
 * After every start: the dev container must be running (a command that exits is not a workspace),
 * then Nexus's setup script maps the host user, exports the environment for SSH and starts a key-only
 * sshd, and SSH must answer. The image's own ENTRYPOINT and command are never replaced.
 */
async function prepareDevContainer(options: PrepareOptions): Promise<string> {
  const { ref, env, dev, host } = options;
  if (dev.state !== "running") throw await exitedDevContainer(ref, dev);
  const sshPort = options.ports.find((p) => p.service === env.devService && p.containerPort === 22);
  const sshMode = sshPort ? "ssh" : env.ssh ? "inetd" : "nossh";
  const args = [String(host.uid), String(host.gid), env.remoteUser ?? "", sshMode];
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const code = await runInContainer({
    containerId: dev.id,
    cmd: ["/bin/sh", "/run/nexus/init.sh", ...args],
    user: "0:0",
    env: options.sshKeys,
    stdout: out,
    stderr: out,
  }).catch(async (error: Error) => {
    // It was running a moment ago: a command that exits at once is the usual reason.
    if (/is not running|container stopped/i.test(error.message)) throw await exitedDevContainer(ref, dev);
    throw error;
  });
  if (!(await inspectContainer(dev.id)).State.Running) throw await exitedDevContainer(ref, dev);
  const output = Buffer.concat(chunks).toString();
  if (code !== 0) {
    throw new NexusError(`Setting up the dev container of "${ref.workspace}" failed (exit code ${code}).`, {
      category: "docker",
      hint:
        output.trim().split("\n").slice(-8).join("\n") ||
        "Run `nexus workspace logs` for the container's output.",
    });
  }
  // The container prints it: only a plain user name goes into the host's ssh config.
  const user = /^user=([A-Za-z_][A-Za-z0-9_.-]*)$/m.exec(output)?.[1] ?? "root";
  await sshEntry({ ref, dev, user, sshPort }, /^sshd=(\w+)$/m.exec(output)?.[1]);
  return user;
}

/** `ssh ALIAS` only where it works: a port when sshd listens, `docker exec sshd -i` when the image has sshd. */
async function sshEntry(
  target: { ref: WorkspaceRef; dev: ServiceState; user: string; sshPort?: PortRecord },
  sshd: string | undefined,
): Promise<void> {
  const { ref, dev, user, sshPort } = target;
  if (sshPort && sshd === "started") {
    writeHostEntry({ alias: hostAlias(ref), route: { port: sshPort.hostPort }, user });
    await waitForBanner(sshPort.hostPort, "SSH-");
  } else if (sshd === "inetd" && !engineTarget())
    // Through `docker exec` on this machine's engine: not for a container on a remote host.
    writeHostEntry({ alias: hostAlias(ref), route: { container: dev.id }, user });
  else if (hasHostEntry(hostAlias(ref))) removeHostEntry(hostAlias(ref));
}

async function exitedDevContainer(ref: WorkspaceRef, dev: ServiceState): Promise<NexusError> {
  const info = await inspectContainer(dev.id);
  return new NexusError(
    `The dev container (service ${dev.service}) of "${ref.workspace}" is not running: it exited with code ${info.State.ExitCode}.`,
    {
      category: "docker",
      hint:
        "A dev service must keep running: give it a long-running command (e.g. `command: sleep infinity` with `init: true`), " +
        `and see \`nexus workspace logs ${ref.workspace} ${dev.service}\` for what it printed.`,
    },
  );
}

/** sshd listens a few ms after init.sh starts it: a local connect is cheap, so look again soon. */
const BANNER_POLL_MS = 10;

/** Ready means `ssh ALIAS` works: poll until sshd greets us through the published port. */
async function waitForBanner(port: number, prefix: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readBanner(port)).startsWith(prefix)) return;
    await new Promise((r) => setTimeout(r, BANNER_POLL_MS));
  }
  throw new NexusError(
    `sshd in the dev container did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s.`,
    {
      category: "timeout",
      hint: "See /var/log/nexus-sshd.log in the container.",
    },
  );
}

function readBanner(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (text: string) => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, () => done(""));
    socket.once("data", (data) => done(data.toString()));
    socket.on("error", () => done(""));
    socket.once("close", () => done(""));
  });
}
