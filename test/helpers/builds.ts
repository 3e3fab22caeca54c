import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Dockerode from "dockerode";

/** Image tags a test built: removed by `removeImages` after the file (never what the test did not make). */
export const madeImages: string[] = [];

export async function removeImages(): Promise<void> {
  const docker = new Dockerode();
  for (const tag of madeImages.splice(0))
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
}

/**
 * A project template `.nexus/templates/NAME` whose dev service builds `dockerfile` in that folder
 * (it lives as long as the repository: destroy reads the compose file, build context included).
 */
export function buildTemplate(repo: string, name: string, dockerfile: string, args = {}): string {
  const dir = join(repo, ".nexus/templates", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  const build = { context: dir, args };
  const dev = { build, command: ["sleep", "infinity"], init: true };
  const compose = { services: { dev }, "x-nexus": { dev_service: "dev", ssh: false } };
  writeFileSync(join(dir, "compose.yaml"), JSON.stringify(compose, null, 2));
  return dir;
}

/** The content tag Nexus gave the workspace's dev image (in its override file), to remove it after. */
export function imageOf(repo: string, workspace: string): string | undefined {
  const file = join(repo, ".nexus/compose", `${workspace}.yaml`);
  if (!existsSync(file)) return undefined;
  return /image: "([^"]+)"/.exec(readFileSync(file, "utf8"))?.[1];
}

/** Notes the workspace's dev image (if one was built) for `removeImages`. */
export function noteImage(repo: string, workspace: string): void {
  const tag = imageOf(repo, workspace);
  if (tag) madeImages.push(tag);
}
