import { connect } from "node:net";
import { PassThrough } from "node:stream";
import { NexusError } from "../core/errors.js";
import { startedService } from "./compose.js";
import { listServices, type ServiceState } from "./containers.js";
import type { Docker } from "./docker.js";
import type { Environment } from "./environment-types.js";
import { execInContainer } from "./exec.js";
import { projectName, type WorkspaceRef } from "./names.js";
import type { HostSetup } from "./override.js";
import { hostAlias, removeHostEntry, writeHostEntry } from "./ssh.js";
import type { PortRecord } from "./store.js";

interface PrepareOptions {
  docker: Docker;
  ref: WorkspaceRef;
  env: Environment;
  dev: ServiceState;
  host: HostSetup;
  ports: PortRecord[];
}

/**
 * The dev container's setup, begun as soon as Compose says the dev container started: it runs while
 * Compose still creates and starts the other services (a database's new volume is filled first).
 * `result` begins it when Compose never said so (the container was already running) and gives the
 * dev container's state; `settled` waits for a begun setup, whatever its outcome.
 */
export function devSetupOnStart(
  options: Omit<PrepareOptions, "docker" | "dev"> & { docker: () => Promise<Docker> },
) {
  const { ref, env } = options;
  let setup: Promise<ServiceState | undefined> | undefined;
  const begin = () => {
    setup ??= (async () => {
      const docker = await options.docker();
      const dev = (await listServices(docker, ref)).find((s) => s.service === env.devService);
      if (dev) await prepareDevContainer({ ...options, docker, dev });
      return dev;
    })();
    return setup;
  };
  const devServices = env.devService ? [env.devService] : [];
  return {
    onLine(line: string): void {
      if (startedService(line, projectName(ref), devServices)) begin().catch(() => undefined);
    },
    result: () => (env.devService ? begin() : Promise.resolve(undefined)),
    settled: async () => void (await setup?.catch(() => undefined)),
  };
}

/**
 * After every start: the dev container must be running (a command that exits is not a workspace),
 * then Nexus's setup script maps the host user, exports the environment for SSH and starts a key-only
 * sshd, and SSH must answer. The image's own ENTRYPOINT and command are never replaced.
 */
export async function prepareDevContainer(options: PrepareOptions): Promise<string> {
  const { docker, ref, env, dev, host } = options;
  if (dev.state !== "running") throw await exitedDevContainer(docker, ref, dev);
  const sshPort = options.ports.find((p) => p.service === env.devService && p.containerPort === 22);
  const args = [String(host.uid), String(host.gid), env.remoteUser ?? "", sshPort ? "ssh" : "nossh"];
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const code = await execInContainer(docker, {
    containerId: dev.id,
    cmd: ["/bin/sh", "/run/nexus/init.sh", ...args],
    user: "0:0",
    stdout: out,
    stderr: out,
  }).catch(async (error: Error) => {
    // It was running a moment ago: a command that exits at once is the usual reason.
    if (/is not running|container stopped/i.test(error.message))
      throw await exitedDevContainer(docker, ref, dev);
    throw error;
  });
  if (!(await docker.getContainer(dev.id).inspect()).State.Running)
    throw await exitedDevContainer(docker, ref, dev);
  const output = Buffer.concat(chunks).toString();
  if (code !== 0) {
    throw new NexusError(`Setting up the dev container of "${ref.workspace}" failed (exit code ${code}).`, {
      category: "docker",
      hint:
        output.trim().split("\n").slice(-8).join("\n") ||
        "Run `nexus workspace logs` for the container's output.",
    });
  }
  const user = /^user=(\S+)$/m.exec(output)?.[1] ?? "root";
  if (sshPort && !/^sshd=started$/m.test(output)) removeHostEntry(hostAlias(ref));
  if (sshPort && /^sshd=started$/m.test(output)) {
    writeHostEntry({ alias: hostAlias(ref), port: sshPort.hostPort, user });
    await waitForBanner(sshPort.hostPort, "SSH-");
  }
  return user;
}

async function exitedDevContainer(docker: Docker, ref: WorkspaceRef, dev: ServiceState): Promise<NexusError> {
  const info = await docker.getContainer(dev.id).inspect();
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

/** Ready means `ssh ALIAS` works: poll until sshd greets us through the published port. */
async function waitForBanner(port: number, prefix: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await readBanner(port)).startsWith(prefix)) return;
    await new Promise((r) => setTimeout(r, 50));
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
