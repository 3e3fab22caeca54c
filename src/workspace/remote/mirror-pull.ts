/**
 * Work coming back from a host: `workspace pull` fetches the mirror's branch and fast-forwards the
 * local one; destroy's guard asks what the remote worktree holds that is not here.
 */
import { NexusError } from "../../core/errors.js";
import { gitRaw } from "../../core/git.js";
import type { Host, HostPaths } from "./hosts.js";
import { checkBranch, localCommit, type RemoteLayout } from "./remote-layout.js";
import { gitOverSsh, gitUrl, NEEDS_GIT, remote, said, shq } from "./remote-shell.js";

/** Where a fetched branch waits locally until the branch is moved (kept after a divergence, to merge). */
const pulledRef = (branch: string) => `refs/nexus/pulled/${branch}`;

/** Fetches the mirror's `branch` into pulledRef; returns its commit. */
async function fetchToPulled(
  host: Host,
  layout: RemoteLayout,
  root: string,
  branch: string,
  paths?: HostPaths,
) {
  const spec = `+refs/heads/${branch}:${pulledRef(branch)}`;
  const args = ["fetch", "--no-tags", "--no-write-fetch-head", gitUrl(host, layout.mirror), spec];
  const result = await gitOverSsh(host, root, args, paths);
  if (result.exitCode !== 0)
    throw new NexusError(`Could not fetch ${branch} from ${host.name}: ${said(result.stderr)}`, {
      category: /couldn't find remote ref/i.test(result.stderr) ? "not_found" : "git",
      hint: `Check that the workspace exists on ${host.name} (\`nexus workspace list\`) and run \`nexus host check ${host.name}\`.`,
    });
  const commit = await localCommit(root, pulledRef(branch));
  if (!commit)
    throw new NexusError(`The fetch of ${branch} from ${host.name} brought no commit.`, {
      category: "git",
      hint: "Run `git fsck` in the repository and `nexus host check` for the host, then pull again.",
    });
  return commit;
}

async function localGit(root: string, args: string[]): Promise<string> {
  const result = await gitRaw(args, root);
  if (result.exitCode !== 0)
    throw new NexusError(`git ${args[0]} failed: ${said(result.stderr)}`, {
      category: "git",
      hint: "Fix the local repository (`git status`), then pull again.",
    });
  return result.stdout.trim();
}

const isAncestor = async (root: string, a: string, b: string) =>
  (await gitRaw(["merge-base", "--is-ancestor", a, b], root)).exitCode === 0;

/** The local worktree that has `branch` checked out, if any. */
async function checkedOutAt(root: string, branch: string): Promise<string | undefined> {
  const list = await localGit(root, ["worktree", "list", "--porcelain", "-z"]);
  let path: string | undefined;
  for (const field of list.split("\0")) {
    if (field.startsWith("worktree ")) path = field.slice("worktree ".length);
    if (field === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

/** `workspace pull`: fetch the mirror's branch into local `branch` of localRoot, fast-forward only. */
export async function pullBranch(
  host: Host,
  layout: RemoteLayout,
  localRoot: string,
  branch: string,
  paths?: HostPaths,
): Promise<{ before?: string; after: string; commits: number }> {
  checkBranch(branch);
  const after = await fetchToPulled(host, layout, localRoot, branch, paths);
  const ref = `refs/heads/${branch}`;
  const before = await localCommit(localRoot, ref);
  if (before === after || (before && (await isAncestor(localRoot, after, before)))) {
    await localGit(localRoot, ["update-ref", "-d", pulledRef(branch)]);
    return { before, after: before, commits: 0 };
  }
  if (before && !(await isAncestor(localRoot, before, after)))
    throw new NexusError(`The local ${branch} and the one on ${host.name} have diverged.`, {
      category: "conflict",
      hint: `The host's commits are at ${pulledRef(branch)}: merge or rebase ${branch} onto them (\`git merge ${pulledRef(branch)}\` with ${branch} checked out), then push the workspace again.`,
    });
  const range = before ? [after, `^${before}`] : [after, "--not", "--branches"];
  const commits = Number(await localGit(localRoot, ["rev-list", "--count", ...range]));
  await moveBranch(localRoot, branch, after, before);
  await localGit(localRoot, ["update-ref", "-d", pulledRef(branch)]);
  return { before, after, commits };
}

/** A checked-out branch moves by `merge --ff-only` in its worktree (its files follow); any other by update-ref. */
async function moveBranch(root: string, branch: string, to: string, from?: string): Promise<void> {
  const worktree = from ? await checkedOutAt(root, branch) : undefined;
  if (!worktree) {
    await localGit(root, ["update-ref", `refs/heads/${branch}`, to, from ?? ""]);
    return;
  }
  const merged = await gitRaw(["merge", "--ff-only", "-q", to], worktree);
  if (merged.exitCode !== 0)
    throw new NexusError(
      `${branch} is checked out in ${worktree} and could not be fast-forwarded: ${said(merged.stderr)}`,
      {
        category: "conflict",
        hint: `Commit or stash the changes there, then pull again (the host's commits are at ${pulledRef(branch)}).`,
      },
    );
}

/**
 * For destroy's guard: files uncommitted in the remote worktree (porcelain paths, max 20) and commits
 * on the mirror's branch that the local branch does not have. (`local` is one object: at most 5 parameters.)
 */
export async function remoteWorkState(
  host: Host,
  layout: RemoteLayout,
  name: string,
  local: { localRoot: string; branch: string },
  paths?: HostPaths,
): Promise<{ dirty: string[]; unpulled: number }> {
  const { localRoot, branch } = local;
  checkBranch(branch);
  const script = `m=${shq(layout.mirror)}; w=${shq(layout.worktree(name))}
[ -f "$m/HEAD" ] || exit 0; ${NEEDS_GIT}set -e
git -C "$m" rev-parse -q --verify ${shq(`refs/heads/${branch}^{commit}`)} || echo
[ -e "$w/.git" ] || exit 0; git -C "$w" status --porcelain -z --untracked-files=normal`;
  const result = await remote(host, script, { what: `read the state of ${name}`, paths });
  const [first = "", ...rest] = result.stdout.split("\n");
  const remoteCommit = first.trim();
  const dirty = porcelainPaths(rest.join("\n")).slice(0, 20);
  if (!remoteCommit) return { dirty, unpulled: 0 };
  // Commits this repository has never seen are fetched to be counted (then forgotten again).
  const known = await localCommit(localRoot, remoteCommit);
  const commit = known ?? (await fetchToPulled(host, layout, localRoot, branch, paths));
  const here = await localCommit(localRoot, `refs/heads/${branch}`);
  const range = here ? [commit, `^${here}`] : [commit, "--not", "--branches"];
  const unpulled = Number(await localGit(localRoot, ["rev-list", "--count", ...range]));
  if (!known) await localGit(localRoot, ["update-ref", "-d", pulledRef(branch)]);
  return { dirty, unpulled };
}

/** Paths of `git status --porcelain -z`: "XY path", a rename followed by its old path. */
export function porcelainPaths(output: string): string[] {
  const fields = output.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? "";
    if (field.length < 4) continue;
    paths.push(field.slice(3).replace(/\p{Cc}/gu, "?"));
    if (/^[RC]/.test(field)) i++;
  }
  return paths;
}
