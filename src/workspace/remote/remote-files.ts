/**
 * Files a workspace on a host needs that git does not carry: ignored files of the repository (.env),
 * Nexus's own package files (templates, runtime) and single files (a CA bundle). They travel as tar
 * (or raw bytes) over the host's ssh connection; shared ones are stored once per content hash and
 * appear under their final name only whole (written to a temporary name, then renamed).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import type { Readable } from "node:stream";
import { NexusError, preview, UsageError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { hashDirectory } from "../environment/template-files.js";
import type { Host, HostPaths } from "./hosts.js";
import { LONG_MS, remote, remoteFailure, said, shq, sshWithInput } from "./remote-shell.js";

/** A tar of `files` (relative to `dir`) on stdout; `done` is its exit. Names never read as options. */
function tarOf(
  dir: string,
  files: string[],
): { stream: Readable; done: Promise<{ code: number; stderr: string }> } {
  const tar = spawn("tar", ["-C", dir, "--null", "--verbatim-files-from", "-T", "-", "-cf", "-"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  tar.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  tar.stdin.on("error", () => undefined);
  tar.stdin.end(files.map((f) => `./${f}\0`).join(""));
  const done = new Promise<{ code: number; stderr: string }>((resolve) => {
    tar.on("error", (error) => resolve({ code: 127, stderr: error.message }));
    tar.on("close", (code) => resolve({ code: code ?? 1, stderr }));
  });
  return { stream: tar.stdout, done };
}

/** Sends `files` of `dir` as tar to a remote script that reads it on stdin. */
async function sendTar(host: Host, dir: string, files: string[], script: string, paths?: HostPaths) {
  const tar = tarOf(dir, files);
  const [result, local] = await Promise.all([
    sshWithInput(host, script, tar.stream, { timeoutMs: LONG_MS, paths }),
    tar.done,
  ]);
  if (result.exitCode !== 0) throw remoteFailure(host, result, { what: "unpack files" });
  if (local.code !== 0)
    throw new NexusError(
      `Could not pack files of ${dir}: ${said(local.stderr.replace(/.*Exiting with failure.*/g, ""))}`,
      {
        category: "environment",
        hint: "Check that the files exist and are readable, then retry.",
      },
    );
}

/** A relative path that stays below its folder: no absolute path, no `..`, no control character. */
function checkRelative(file: string): void {
  const bad = !file || isAbsolute(file) || file.split(/[\\/]/).includes("..") || /\p{Cc}/u.test(file);
  if (bad)
    throw new UsageError(
      `Refusing to copy ${preview(file)} to a host: only paths inside the folder are copied.`,
      "Give paths relative to the folder, without `..`.",
    );
}

/** Copies files (paths relative to fromDir; ignored ones like .env) into toDir on the host with tar over ssh; keeps modes; refuses absolute/`..` paths. */
export async function copyToHost(
  host: Host,
  fromDir: string,
  files: string[],
  toDir: string,
  paths?: HostPaths,
): Promise<void> {
  for (const file of files) checkRelative(file);
  if (!toDir.startsWith("/") || /\p{Cc}/u.test(toDir))
    throw new UsageError(
      `Invalid folder ${preview(toDir)} on host ${host.name}: it must be absolute.`,
      "Give the folder on the host as an absolute path (as remoteLayout returns them).",
    );
  if (files.length === 0) return;
  const script = `set -e; d=${shq(toDir)}; mkdir -p "$d"; tar -C "$d" -xpf - --no-same-owner`;
  await sendTar(host, fromDir, files, script, paths);
}

/**
 * `$HOME/.nexus-remote/DIR/NAME` when it is there already (one round trip), else made by `upload`
 * from a temporary name: a concurrent reader sees it whole or not at all.
 */
async function ensureOnce(
  host: Host,
  dir: string,
  name: string,
  upload: (script: string) => Promise<void>,
  paths?: HostPaths,
): Promise<string> {
  const where = `p="$HOME"/.nexus-remote/${shq(dir)}; f="$p"/${shq(name)}`;
  const seen = await remote(host, `${where}; printf '%s' "$f"; [ -e "$f" ]`, {
    what: `look for ${dir}/${name}`,
    allow: [1],
    paths,
  });
  if (seen.exitCode === 0) return seen.stdout;
  // Leftovers of an interrupted copy (over an hour old) go; the new one lands under its final name whole.
  await upload(`set -e; ${where}; mkdir -p "$p"
find "$p" -maxdepth 1 -name '.tmp-*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
t=$(mktemp -d "$p/.tmp-XXXXXX"); cd "$t"`);
  return seen.stdout;
}

let packageHash: string | undefined;

/** Nexus's own package files the remote needs (templates, runtime), copied once per content to `$HOME/.nexus-remote/pkg/<hash>/`; returns that path. */
export async function ensurePackageFiles(host: Host, paths?: HostPaths): Promise<string> {
  const root = packageRoot();
  const folders = ["templates", "runtime"].filter((f) => existsSync(join(root, f)));
  packageHash ??= createHash("sha256")
    .update(folders.map((f) => `${f}:${hashDirectory(join(root, f))}`).join("\n"))
    .digest("hex")
    .slice(0, 16);
  const hash = packageHash;
  const upload = (prepare: string) =>
    sendTar(
      host,
      root,
      folders,
      `${prepare}; tar -xpf - --no-same-owner; chmod 755 "$t"
mv -T "$t" "$f" 2>/dev/null || rm -rf "$t"`,
      paths,
    );
  return ensureOnce(host, "pkg", hash, upload, paths);
}

/** A local file (the CA bundle) copied once per content to `$HOME/.nexus-remote/files/<hash>-<basename>`; returns the remote path. */
export async function ensureHostFile(host: Host, localFile: string, paths?: HostPaths): Promise<string> {
  if (!existsSync(localFile))
    throw new NexusError(`${localFile} does not exist: it cannot be copied to host ${host.name}.`, {
      category: "not_found",
      hint: "Check the path in your configuration (e.g. the CA bundle), then retry.",
    });
  const hash = createHash("sha256").update(readFileSync(localFile)).digest("hex").slice(0, 16);
  const name = `${hash}-${basename(localFile).replace(/[^A-Za-z0-9._-]/g, "_")}`;
  const upload = async (prepare: string) => {
    const script = `${prepare}; cat > file; chmod 644 file; mv -f file "$f"; cd /; rmdir "$t"`;
    const result = await sshWithInput(host, script, createReadStream(localFile), {
      timeoutMs: LONG_MS,
      paths,
    });
    if (result.exitCode !== 0) throw remoteFailure(host, result, { what: `copy ${basename(localFile)}` });
  };
  return ensureOnce(host, "files", name, upload, paths);
}
