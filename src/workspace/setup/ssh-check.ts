import { existsSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { listServices } from "../engine/containers.js";
import { discard, runInContainer } from "../engine/exec.js";
import { hasHostEntry, hostAlias, type SshPaths, sshPaths } from "./ssh.js";

/** A running workspace whose `ssh ALIAS` cannot work from this machine as things are, and why. */
export interface SshDrift {
  workspace: string;
  alias: string;
  problems: string[];
}

/** What the dev container's setup installed (runtime/dev-init.sh): the host key it serves (one line), the client key it authorises. */
const INSTALLED = ["/etc/ssh/ssh_host_ed25519_key.pub", "/etc/ssh/nexus_authorized_keys"];

/**
 * The repository's running workspaces set up for SSH (their dev container has the keys Nexus
 * installed), each checked against this machine: its Host entry, the client key the container
 * authorises, and the host key known_hosts pins. A deleted ~/.nexus (or ~/.nexus/ssh) shows here;
 * `nexus workspace up NAME` puts it all back.
 */
export async function sshDrift(repoId: string, paths: SshPaths = sshPaths()): Promise<SshDrift[]> {
  const running = (await listServices({ repoId })).filter((s) => s.state === "running" && s.workspace);
  const byWorkspace = new Map<string, string[]>();
  for (const s of running) byWorkspace.set(s.workspace, [...(byWorkspace.get(s.workspace) ?? []), s.id]);
  const drift: SshDrift[] = [];
  for (const [workspace, ids] of [...byWorkspace].sort(([a], [b]) => a.localeCompare(b))) {
    const installed = await installedKeys(ids);
    if (!installed) continue; // no container of it serves SSH (ssh: false, an image without sshd)
    const alias = hostAlias({ repoId, workspace });
    const problems = compare(paths, alias, installed);
    if (problems.length) drift.push({ workspace, alias, problems });
  }
  return drift;
}

function compare(paths: SshPaths, alias: string, installed: string): string[] {
  const problems: string[] = [];
  if (!hasHostEntry(alias, paths)) problems.push(`no Host ${alias} in ${paths.config}`);
  const [served = "", ...authorised] = installed.split("\n");
  const clientKey = keyOf(`${paths.userKey}.pub`);
  if (!existsSync(paths.userKey) || !clientKey) problems.push(`the client key ${paths.userKey} is missing`);
  else if (!authorised.some((line) => line.startsWith(clientKey)))
    problems.push("the container does not authorise the client key");
  const hostKey = served.split(/\s+/).slice(0, 2).join(" ");
  const pinned = existsSync(paths.knownHosts) ? readFileSync(paths.knownHosts, "utf8") : "";
  if (!hostKey.startsWith("ssh-") || !pinned.includes(` ${hostKey}`))
    problems.push(`${paths.knownHosts} does not pin the host key the container serves`);
  return problems;
}

/** `ssh-ed25519 AAAA…` of a .pub file (no comment), or undefined when it is missing. */
function keyOf(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** The installed key files of the first of the containers that has them (the dev container). */
async function installedKeys(ids: string[]): Promise<string | undefined> {
  for (const id of ids) {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => done(void chunks.push(c)) });
    const code = await runInContainer({
      containerId: id,
      cmd: ["cat", ...INSTALLED],
      user: "0:0",
      stdout: sink,
      stderr: discard(),
      timeoutMs: 10_000,
    }).catch(() => 1);
    // Only compared, never printed: the container's text is data.
    if (code === 0)
      return Buffer.concat(chunks)
        .toString()
        .slice(0, 64 * 1024);
  }
  return undefined;
}
