import { connect } from "node:net";
import Dockerode from "dockerode";

/**
 * Docker tests skip on a developer machine without an engine, but FAIL in CI:
 * a CI run that silently skips them would prove nothing.
 */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await new Dockerode().ping();
    return true;
  } catch (error) {
    if (process.env.CI)
      throw new Error(`CI is set but the Docker Engine is unreachable: ${(error as Error).message}`);
    return false;
  }
}

export async function resourcesOf(
  workspace: string,
  repo?: string,
): Promise<{ containers: number; networks: number; volumes: number }> {
  const docker = new Dockerode();
  const label = [`nexus.workspace=${workspace}`];
  // With `repo`: only this repository's (another test run may have a workspace of the same name).
  if (repo) label.push(`nexus.repo=${await repoIdOf(repo)}`);
  const filters = { label };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.length,
    networks: networks.length,
    volumes: (volumes.Volumes ?? []).length,
  };
}

/** Reads the first bytes a TCP server sends (e.g. an SSH banner), or what it answers to `send`. */
export function probeTcp(port: number, send?: Buffer, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port}`));
    }, timeoutMs);
    socket.once("connect", () => {
      if (send) socket.write(send);
    });
    socket.once("data", (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** PostgreSQL's SSLRequest: a live server answers one byte, 'S' or 'N'. */
export const POSTGRES_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** Runs a command in one service's container and captures its output (`repo`: see containerId). */
export async function execCapture(
  workspace: string,
  service: string,
  cmd: string[],
  repo?: string,
): Promise<{ code: number; stdout: string }> {
  const { PassThrough } = await import("node:stream");
  const { execInContainer } = await import("../../src/workspace/engine/exec.js");
  const docker = new Dockerode();
  const target = { id: await containerId(workspace, service, repo) };
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const code = await execInContainer(docker, { containerId: target.id, cmd, stdout: out, stderr: out });
  return { code, stdout: Buffer.concat(chunks).toString() };
}

/**
 * The one container of a service in the test's workspace. With `repo` (the repository's folder) it is
 * found by repository and workspace, so another repository's workspace of the same name on the shared
 * engine does not count; without, the test must use a name no other run uses.
 */
export async function containerId(workspace: string, service: string, repo?: string): Promise<string> {
  const labels = [`nexus.workspace=${workspace}`, `com.docker.compose.service=${service}`];
  if (repo) labels.push(`nexus.repo=${await repoIdOf(repo)}`);
  const filters = { label: labels };
  const found = await new Dockerode().listContainers({ all: true, filters });
  if (found.length !== 1) throw new Error(`${found.length} ${service} containers for workspace ${workspace}`);
  return found[0]!.Id;
}

/**
 * The repository id Nexus labels with (workspace/context.ts), computed without opening the project:
 * no database is created or migrated by the test's user in a repository another user owns.
 */
export async function repoIdOf(repo: string): Promise<string> {
  const { findRepository } = await import("../../src/core/paths.js");
  const { createHash } = await import("node:crypto");
  return createHash("sha256")
    .update((await findRepository(repo)).root)
    .digest("hex")
    .slice(0, 12);
}
