import { NexusError } from "../../core/errors.js";
import { SAFE_GIT_CONFIG } from "../../core/git-guard.js";
import type { RunResult } from "../../core/process.js";
import type { ProjectContext } from "../context.js";
import type { WorkspaceRecord } from "../store.js";
import type { TreeAccess } from "../tree-access.js";
import { findHost, type Host } from "./hosts.js";
import { pushRef } from "./mirror.js";
import { layoutOn } from "./placement.js";
import { shq } from "./remote-shell.js";
import { ssh, sshFailure } from "./ssh.js";

const MAX_READ = 4 * 1024 * 1024;

/**
 * A remote workspace's tree as Nexus reads it for evidence: the host's git, never the container's,
 * told where the repository is (the admin folder that names this worktree, the mirror), with hooks
 * and fsmonitor off, as on this machine. This checkout's HEAD is pushed to the mirror first, so the
 * change's base (merge-base with it) is found there.
 */
export async function remoteTree(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  root: string,
): Promise<TreeAccess> {
  const host = findHost(record.host ?? "");
  // Git over SSH only: no Docker socket forwarded, no package files checked.
  const layout = await layoutOn(ctx, host);
  const worktree = record.worktreePath;
  const [adminDir] = await Promise.all([
    adminDirOf(host, layout.mirror, worktree),
    pushRef(host, layout, root, "HEAD", "refs/nexus/main"),
  ]);
  const env = `GIT_DIR=${shq(adminDir)} GIT_COMMON_DIR=${shq(layout.mirror)} GIT_WORK_TREE=${shq(worktree)} GIT_TERMINAL_PROMPT=0 LC_ALL=C`;
  const inTree = (command: string) => ssh(host, `cd ${shq(worktree)} && ${command}`);
  return {
    dir: `${host.name}:${worktree}`,
    git: async (args) =>
      checked(host, await inTree(`${env} git ${[...SAFE_GIT_CONFIG, ...args].map(shq).join(" ")}`)),
    read: async (file) => {
      const f = shq(file);
      const result = checked(
        host,
        await inTree(
          `if [ -f ${f} ] && [ ! -L ${f} ]; then head -c ${MAX_READ} ${f}; elif [ -e ${f} ] || [ -L ${f} ]; then exit 3; else exit 4; fi`,
        ),
      );
      return result.exitCode === 0 ? result.stdout : result.exitCode === 3 ? "not a file" : undefined;
    },
    exists: async (file) => checked(host, await inTree(`test -e ${shq(file)}`)).exitCode === 0,
  };
}

function checked(host: Host, result: RunResult): RunResult {
  if (result.exitCode === 255) throw sshFailure(host, result);
  return result;
}

/**
 * The mirror's admin folder whose `gitdir` names this worktree: exactly one, or the link was changed
 * (the container can write both ends) and nothing is read through it.
 */
async function adminDirOf(host: Host, mirror: string, worktree: string): Promise<string> {
  const script = `for d in ${shq(mirror)}/worktrees/*/; do [ "$(cat "$d/gitdir" 2>/dev/null)" = ${shq(`${worktree}/.git`)} ] && printf '%s\\n' "\${d%/}"; done; true`;
  const found = checked(host, await ssh(host, script))
    .stdout.split("\n")
    .filter(Boolean);
  if (found.length !== 1)
    throw new NexusError(`The git link of the worktree ${worktree} on host ${host.name} was changed.`, {
      category: "conflict",
      hint: "Nothing was checked. Destroy the workspace (`nexus workspace destroy --force`) and create it again; pull its commits first.",
    });
  return found[0]!;
}
