/**
 * Images a remote workspace needs, moved from this machine's engine to the host's: the content tags
 * Nexus builds (nexus/build:…) and base images are usually here already, and a remote host often has
 * no route to a registry; a `docker save | ssh docker load` of a few hundred MB beats building again.
 */
import { spawn } from "node:child_process";
import { NexusError } from "../../core/errors.js";
import { run } from "../../core/process.js";
import { type Host, type HostPaths, hostPaths } from "./hosts.js";
import { ownControlDir, sshArgs, sshFailure } from "./ssh.js";
import { socketGet } from "./tunnel.js";

/** Images are hundreds of MB and the link may be slow. */
const MOVE_TIMEOUT_MS = 15 * 60_000;
/** A Docker reference (name[:tag][@digest]) as Nexus makes them: nothing a URL path would read otherwise. */
const REFERENCE = /^[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export type MoveState = "moving" | "moved";

export interface MovedImages {
  /** Copied from this machine to the host. */
  moved: string[];
  /** On neither engine: the host builds (or pulls) them. */
  missing: string[];
  /** On the host already. */
  present: string[];
}

/**
 * Moves the images in `tags` that the host's engine (`hostSocket`, from hostEngineSocket) lacks and
 * this machine's engine has: `docker save TAG | ssh HOST docker load`, one at a time, each reported
 * through onProgress.
 */
export async function moveImages(
  host: Host,
  hostSocket: string,
  tags: string[],
  options: { onProgress?: (tag: string, state: MoveState) => void; paths?: HostPaths } = {},
): Promise<MovedImages> {
  const paths = options.paths ?? hostPaths();
  const result: MovedImages = { moved: [], missing: [], present: [] };
  for (const tag of tags) {
    if (!REFERENCE.test(tag))
      throw new NexusError(`Not an image reference: ${JSON.stringify(tag)}.`, {
        category: "validation",
        hint: "An image is NAME[:TAG] in lowercase, e.g. debian:bookworm-slim or nexus/build:1a2b3c.",
      });
    if (await hostHas(host, hostSocket, tag)) result.present.push(tag);
    else if (!(await localHas(hostSocket, tag))) result.missing.push(tag);
    else {
      options.onProgress?.(tag, "moving");
      await pipeImage(host, tag, paths, hostSocket);
      if (!(await hostHas(host, hostSocket, tag)))
        throw new NexusError(`${tag} was sent to ${host.name} but its engine does not list it.`, {
          category: "docker",
          hint: "See the host's Docker log (e.g. `journalctl -u docker` there) and its free disk space.",
        });
      options.onProgress?.(tag, "moved");
      result.moved.push(tag);
    }
  }
  return result;
}

async function hostHas(host: Host, socket: string, tag: string): Promise<boolean> {
  const answer = await socketGet(socket, `/images/${tag}/json`, 10_000).catch((error: Error) => {
    throw new NexusError(`Docker on ${host.name} does not answer: ${error.message}`, {
      category: "docker_unavailable",
      hint: `\`nexus host check ${host.name}\` checks the host's connection and Docker.`,
    });
  });
  if (answer.status === 200) return true;
  if (answer.status === 404) return false;
  throw new NexusError(`Docker on ${host.name} refused to show ${tag} (HTTP ${answer.status}).`, {
    category: "docker",
    hint: `\`nexus host check ${host.name}\` checks the host's Docker.`,
  });
}

/** This machine's engine, never the host's: a DOCKER_HOST that points at the host's socket is dropped. */
function localEnv(hostSocket: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.DOCKER_HOST === `unix://${hostSocket}`) delete env.DOCKER_HOST;
  return env;
}

async function localHas(hostSocket: string, tag: string): Promise<boolean> {
  const found = await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag], {
    env: localEnv(hostSocket),
    timeoutMs: 30_000,
  }).catch(() => undefined);
  return found?.exitCode === 0;
}

interface Child {
  code: number | null;
  stderr: string;
}

/** `docker save TAG | ssh HOST docker load`: both killed when one fails or time runs out. */
async function pipeImage(host: Host, tag: string, paths: HostPaths, hostSocket: string): Promise<void> {
  ownControlDir(paths);
  const save = spawn("docker", ["save", tag], {
    env: localEnv(hostSocket),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const load = spawn("ssh", [...sshArgs(host, paths), "--", host.hostname, "docker load"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const killBoth = () => {
    for (const child of [save, load]) if (child.exitCode === null) child.kill("SIGKILL");
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killBoth();
  }, MOVE_TIMEOUT_MS);
  save.stdout.pipe(load.stdin);
  load.stdin.on("error", () => undefined);
  const [saved, loaded] = await Promise.all([settle(save, killBoth), settle(load, killBoth)]).finally(() =>
    clearTimeout(timer),
  );
  if (timedOut)
    throw new NexusError(`Moving ${tag} to ${host.name} did not finish in ${MOVE_TIMEOUT_MS / 60_000} min.`, {
      category: "timeout",
      hint: "Check the link to the host; the image is built there when it cannot be moved.",
    });
  if (loaded.code === 255) throw sshFailure(host, { stdout: "", stderr: loaded.stderr, exitCode: 255 });
  if (saved.code !== 0)
    throw new NexusError(`docker save ${tag} failed: ${lastLine(saved.stderr)}`, {
      category: "docker",
      hint: "Check this machine's Docker (`docker image inspect` the image).",
    });
  if (loaded.code !== 0)
    throw new NexusError(`docker load on ${host.name} failed: ${lastLine(loaded.stderr)}`, {
      category: "docker",
      hint: "Check the host's free disk space and its Docker (`nexus host check`).",
    });
}

/** Waits for a child to end, keeping the end of its stderr; `onFailure` runs when it ends badly. */
function settle(child: ReturnType<typeof spawn>, onFailure: () => void): Promise<Child> {
  return new Promise((resolve) => {
    let stderr = "";
    child.stdout?.on("data", () => undefined);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on("error", (error) => {
      stderr += error.message;
    });
    child.on("close", (code) => {
      if (code !== 0) onFailure();
      resolve({ code, stderr });
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).pop() ?? "no message";
}
