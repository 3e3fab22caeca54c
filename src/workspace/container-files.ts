import { readFileSync, statSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { enginePutArchive } from "./engine-api.js";
import { type RunTarget, runTethered } from "./tether.js";

/** Who a command runs as in a container: numeric ids and home folder. */
export interface ContainerUser {
  uid: number;
  gid: number;
  home: string;
}

/** The ids and home of `user` in the container, as the Engine's exec resolves them. */
export async function containerUser(
  target: Extract<RunTarget, { kind: "container" }>,
): Promise<ContainerUser> {
  let output = "";
  const result = await runTethered(target, {
    cmd: ["/bin/sh", "-c", 'id -u; id -g; printf "%s\\n" "$HOME"'],
    timeoutMs: 30_000,
    onOutput: (chunk, stream) => {
      if (stream === "stdout") output += chunk.toString();
    },
  });
  const [uid, gid, home] = output.split("\n");
  if (result.exitCode !== 0 || !home?.startsWith("/") || home === "/")
    throw new NexusError(`The dev container has no home folder for user ${target.user}.`, {
      category: "docker",
      hint: "Recreate the workspace (`nexus workspace up`) so Nexus maps your user into the container.",
    });
  return { uid: Number(uid), gid: Number(gid), home };
}

/** A host file and where it goes, relative to the container user's home. */
export interface FileCopy {
  source: string;
  /** e.g. `.claude/.credentials.json` */
  target: string;
}

/**
 * Copies host files into the container user's home (one tar through the Engine's archive endpoint),
 * owned by that user, private (0600, folders 0700). The host's files are only read.
 * Returns the sources that do not exist on the host (skipped).
 */
export async function copyIntoHome(
  containerId: string,
  user: ContainerUser,
  files: FileCopy[],
): Promise<string[]> {
  const present = files.filter((f) => statSync(f.source, { throwIfNoEntry: false }));
  const missing = files.filter((f) => !present.includes(f)).map((f) => f.source);
  if (!present.length) return missing;
  for (const file of present) {
    if (!statSync(file.source).isFile())
      throw new NexusError(`${file.source} is not a file.`, {
        category: "validation",
        hint: "List the files to copy one by one in `agent.files` in .nexus/config.yaml.",
      });
  }
  await enginePutArchive(containerId, user.home, await tarOf(present, user));
  return missing;
}

async function tarOf(files: FileCopy[], user: ContainerUser): Promise<Buffer> {
  const { pack: makePack } = await import("tar-stream");
  const pack = makePack();
  const owner = { uid: user.uid, gid: user.gid };
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.target.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const folder = parts.slice(0, i).join("/");
      if (folders.has(folder)) continue;
      folders.add(folder);
      pack.entry({ name: folder, type: "directory", mode: 0o700, ...owner });
    }
    pack.entry({ name: file.target, mode: 0o600, ...owner }, readFileSync(file.source));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
