import { connect } from "node:net";
import { gitRaw } from "../../core/git.js";
import type { ProjectContext } from "../../workspace/context.js";
import { listServices } from "../../workspace/engine/containers.js";
import { getDocker } from "../../workspace/engine/docker.js";

/** One TCP connection, no retry: the port answers on the first try or it does not. */
function connectsOnce(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** What is not reachable right after create/up: services not running or not healthy, ports refusing. */
export async function unreachable(ctx: ProjectContext, name: string): Promise<string[]> {
  const record = ctx.store.get(name);
  if (record.template === "none") return [];
  const services = await listServices({ repoId: ctx.repoId, workspace: name });
  // Docker's own health status may still say "starting" after Nexus's faster probe saw the service
  // ready: only "unhealthy" counts against it; its ports are tried below.
  const problems = services
    .filter((s) => s.state !== "running" || s.health === "unhealthy")
    .map((s) => `service ${s.service} is ${s.state}${s.health ? ` (${s.health})` : ""}`);
  if (services.length < record.services)
    problems.push(`${record.services - services.length} service(s) have no container`);
  for (const port of ctx.store.ports(name)) {
    if (!(await connectsOnce(port.hostPort)))
      problems.push(
        `${port.service} port ${port.name} (127.0.0.1:${port.hostPort}) refused the first connection`,
      );
  }
  return problems;
}

/** The branch checked out in a worktree, or undefined when the worktree is gone. */
export async function checkedOutBranch(worktree: string): Promise<string | undefined> {
  const result = await gitRaw(["rev-parse", "--abbrev-ref", "HEAD"], worktree).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Image ids present now: compared before and after a create, they say what it built or pulled. */
export async function imageIds(): Promise<Map<string, boolean>> {
  const images = await (await getDocker()).listImages();
  // A pulled image carries a registry digest; a locally built one has none.
  return new Map(images.map((i) => [i.Id, (i.RepoDigests ?? []).length > 0]));
}

export function newImages(before: Map<string, boolean>, after: Map<string, boolean>) {
  const added = [...after].filter(([id]) => !before.has(id));
  return { built: added.filter(([, pulled]) => !pulled).length, pulled: added.filter(([, p]) => p).length };
}
