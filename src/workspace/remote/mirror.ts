/**
 * The git side of a workspace on a host: a bare mirror of the repository at
 * `$HOME/.nexus-remote/<repoId>/mirror`, branches pushed there over Nexus's own ssh options, and one
 * worktree per workspace at `worktrees/NAME/<repo basename>`. A push updates a clean remote worktree
 * (receive.denyCurrentBranch=updateInstead); work comes back with pullBranch (mirror-pull.ts).
 */
import { NexusError } from "../../core/errors.js";
import type { Host, HostPaths } from "./hosts.js";
import { checkBranch, localCommit, type RemoteLayout } from "./remote-layout.js";
import { gitOverSsh, gitUrl, NEEDS_GIT, remote, said, shq } from "./remote-shell.js";

export { pullBranch, remoteWorkState } from "./mirror-pull.js";
export { copyToHost, ensureHostFile, ensurePackageFiles } from "./remote-files.js";
export { type RemoteLayout, remoteLayout } from "./remote-layout.js";

/** `git init --bare` the mirror if missing (safe when two creates race), with receive.denyCurrentBranch=updateInstead so a push updates a clean remote worktree. */
export async function ensureMirror(host: Host, layout: RemoteLayout, paths?: HostPaths): Promise<void> {
  // Made under a temporary name and renamed: a racing create sees no mirror or a whole one.
  const script = `${NEEDS_GIT}set -e; m=${shq(layout.mirror)}; [ -f "$m/HEAD" ] && exit 0
mkdir -p ${shq(layout.base)}; t=${shq(layout.base)}/.mirror-$$; rm -rf "$t"
git init -q --bare "$t"; git -C "$t" config receive.denyCurrentBranch updateInstead
mv -T "$t" "$m" 2>/dev/null || rm -rf "$t"; [ -f "$m/HEAD" ]`;
  await remote(host, script, { what: "make the repository's mirror", paths });
}

/** `git push` of local `branch` (in repository `localRoot`) to the mirror over the same SSH options. Non-fast-forward → conflict. */
export async function pushBranch(
  host: Host,
  layout: RemoteLayout,
  localRoot: string,
  branch: string,
  paths?: HostPaths,
): Promise<{ before?: string; after: string }> {
  checkBranch(branch);
  const after = await localCommit(localRoot, `refs/heads/${branch}`);
  if (!after)
    throw new NexusError(`There is no local branch ${branch} to push.`, {
      category: "not_found",
      hint: `Make it again where its work is (\`git branch ${branch} COMMIT\`), or destroy the workspace.`,
    });
  const ref = `refs/heads/${branch}`;
  const url = gitUrl(host, layout.mirror);
  const result = await gitOverSsh(host, localRoot, ["push", "--porcelain", url, `${ref}:${ref}`], paths);
  const line = result.stdout.split("\n").find((l) => l.endsWith(`:${ref}`) || l.includes(`:${ref}\t`));
  const [flag, , summary = ""] = (line ?? "").split("\t");
  if (result.exitCode !== 0 || !line || flag === "!") throw pushRefused(host, branch, summary, result.stderr);
  if (flag === "*") return { after };
  if (flag === "=") return { before: after, after };
  const old = summary.split("..")[0] ?? "";
  return { before: (await localCommit(localRoot, old)) ?? old, after };
}

function pushRefused(host: Host, branch: string, summary: string, stderr: string): NexusError {
  const name = branch.slice("nexus/".length);
  if (/non-fast-forward|fetch first/.test(summary))
    return new NexusError(`The host ${host.name} has commits on ${branch} that are not here.`, {
      category: "conflict",
      hint: `Pull them first (\`nexus workspace pull ${name}\`), merge if needed, then push again.`,
    });
  if (/Working directory has|unstaged|uncommitted|not clean/i.test(summary))
    return new NexusError(`The remote worktree of ${branch} on ${host.name} has uncommitted changes.`, {
      category: "conflict",
      hint: `Commit them in the workspace and \`nexus workspace pull ${name}\`, or discard them there; then push again.`,
    });
  return new NexusError(`Could not push ${branch} to ${host.name}: ${said(`${summary}\n${stderr}`)}`, {
    category: "git",
    hint: `Run \`nexus host check ${host.name}\`; if the mirror is damaged, recreate the workspace.`,
  });
}

/** `git worktree add` on the host at layout.worktree(name) on `branch` (which the push made). Returns the path. */
export async function addRemoteWorktree(
  host: Host,
  layout: RemoteLayout,
  name: string,
  branch: string,
  paths?: HostPaths,
): Promise<string> {
  checkBranch(branch);
  const path = layout.worktree(name);
  // Run again after a failure half-way, an existing worktree on the same branch is kept. The mirror's
  // own HEAD must name a commit: receive-pack's updateInstead (git 2.39) diffs a worktree's index
  // against the empty tree when the *bare* HEAD is unborn, and refuses every push as "staged changes".
  const script = `${NEEDS_GIT}set -e; w=${shq(path)}; b=${shq(branch)}; cd ${shq(layout.mirror)}
git worktree prune
if [ -e "$w/.git" ]; then [ "$(git -C "$w" symbolic-ref -q HEAD)" = "refs/heads/$b" ] && exit 0
  echo "$w exists on another branch" >&2; exit 3; fi
mkdir -p "$(dirname "$w")"; git worktree add -q "$w" "$b"
git rev-parse -q --verify HEAD >/dev/null || git update-ref --no-deref HEAD "refs/heads/$b"
[ "$(git -C "$w" symbolic-ref -q HEAD)" = "refs/heads/$b" ]`;
  await remote(host, script, { what: `make the worktree of ${name}`, paths });
  return path;
}

/** Removes the remote worktree (forced) and, when deleteBranch, the mirror's branch; also its now-empty worktrees/NAME folder. Idempotent. Never touches anything outside layout.base. */
export async function removeRemoteWorktree(
  host: Host,
  layout: RemoteLayout,
  name: string,
  options: { branch: string; deleteBranch: boolean },
  paths?: HostPaths,
): Promise<void> {
  checkBranch(options.branch);
  const path = layout.worktree(name);
  const dropBranch = options.deleteBranch
    ? `if git -C "$m" show-ref -q --verify "refs/heads/$b"; then git -C "$m" branch -q -D "$b"; fi`
    : "";
  const script = `set -e; m=${shq(layout.mirror)}; w=${shq(path)}; b=${shq(options.branch)}
[ -d ${shq(layout.base)} ] || exit 0
if [ -f "$m/HEAD" ]; then ${NEEDS_GIT}git -C "$m" worktree remove --force --force "$w" 2>/dev/null || true; fi
rm -rf -- "$w"; rmdir -- "$(dirname "$w")" 2>/dev/null || true
if [ -f "$m/HEAD" ]; then git -C "$m" worktree prune; fi
[ -f "$m/HEAD" ] || exit 0; ${dropBranch}`;
  await remote(host, script, {
    what: `remove the worktree of ${name}`,
    hint: `Files there may belong to another user (made by a container as root): remove ${path} on ${host.name} by hand, then retry.`,
    paths,
  });
}

/**
 * A local revision (`HEAD`) pushed, forced, to a ref of Nexus's own in the mirror (`refs/nexus/…`),
 * never a branch: the host can then find the change's base for a gate's evidence.
 */
export async function pushRef(
  host: Host,
  layout: RemoteLayout,
  localRoot: string,
  rev: string,
  ref: string,
): Promise<void> {
  if (!ref.startsWith("refs/nexus/")) throw new Error(`pushRef writes only refs/nexus/*, not ${ref}`);
  const commit = await localCommit(localRoot, rev);
  if (!commit) return;
  const url = gitUrl(host, layout.mirror);
  const result = await gitOverSsh(host, localRoot, ["push", "--quiet", "--force", url, `${commit}:${ref}`]);
  if (result.exitCode !== 0)
    throw new NexusError(`Could not push ${rev} to ${host.name}: ${said(result.stderr)}`, {
      category: "git",
      hint: `Run \`nexus host check ${host.name}\`; if the mirror is damaged, recreate the workspace.`,
    });
}
