/** Where a workspace's things are on a host, and the checks that keep every remote path inside it. */
import { NexusError, preview, UsageError } from "../../core/errors.js";
import { gitRaw } from "../../core/git.js";
import { validateWorkspaceName } from "../names.js";
import type { Host, HostPaths } from "./hosts.js";
import { remote } from "./remote-shell.js";

/** Where a repository's things live on a host: `$HOME/.nexus-remote/<repoId>/` (absolute, asked once per call of remoteLayout). */
export interface RemoteLayout {
  base: string;
  mirror: string;
  /** the remote worktree of NAME: `${base}/worktrees/NAME/${repoBasename}` */
  worktree(name: string): string;
}

/** One path segment: never empty, `.`, `..`, a slash or a control character. */
const SEGMENT = /^(?!\.\.?$)[^/\p{Cc}]{1,255}$/u;

function checkSegment(kind: string, value: string): void {
  if (!SEGMENT.test(value))
    throw new UsageError(
      `Invalid ${kind} ${preview(value)} for a path on a host.`,
      "It must be one folder name: no `/`, no `..`, no control characters.",
    );
}

/** A workspace's branch, nexus/NAME, NAME a valid workspace name. */
export function checkBranch(branch: string): void {
  const name = /^nexus\/(.*)$/s.exec(branch)?.[1];
  if (name === undefined)
    throw new UsageError(
      `Invalid workspace branch ${preview(branch)}.`,
      "A remote workspace's branch is nexus/NAME, NAME being the workspace's name.",
    );
  validateWorkspaceName(name);
}

/** The host user's $HOME, asked once: every remote path is absolute and built from it. */
async function remoteHome(host: Host, paths?: HostPaths): Promise<string> {
  const result = await remote(host, 'printf "%s" "$HOME"', { what: "read $HOME", paths });
  const home = result.stdout.replace(/\/+$/, "");
  if (!home.startsWith("/") || /\p{Cc}/u.test(home))
    throw new NexusError(`Host ${host.name} has no usable $HOME (${preview(home)}).`, {
      category: "environment",
      hint: `Give ${host.user} on ${host.name} an absolute home directory it can write to.`,
    });
  return home;
}

export async function remoteLayout(
  host: Host,
  repoId: string,
  repoBasename: string,
  paths?: HostPaths,
): Promise<RemoteLayout> {
  checkSegment("repository id", repoId);
  checkSegment("repository folder name", repoBasename);
  const base = `${await remoteHome(host, paths)}/.nexus-remote/${repoId}`;
  return {
    base,
    mirror: `${base}/mirror`,
    worktree(name: string) {
      // Checked where names are made (names.ts); again before one reaches a host path.
      validateWorkspaceName(name);
      return `${base}/worktrees/${name}/${repoBasename}`;
    },
  };
}

/** The commit a local ref or abbreviated id names, or undefined. */
export async function localCommit(root: string, rev: string): Promise<string | undefined> {
  if (!rev || rev.startsWith("-")) return undefined;
  const result = await gitRaw(["rev-parse", "-q", "--verify", `${rev}^{commit}`], root);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
