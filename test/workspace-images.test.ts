import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "./helpers/cli.js";
import { containerId, dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";
import { BUILT_APP } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const suffix = randomBytes(3).toString("hex");
const NAME = `img-${suffix}`;
const KEPT = `kept-${suffix}`;

const dockerfile = (marker: string) => `FROM debian:bookworm-slim\nRUN echo ${marker} > /nexus-test-marker\n`;

/** Same build inputs in two repositories: one image; `prune` removes it once no container uses it. */
describe.skipIf(!hasDocker)("images of the same content", () => {
  let home: string;
  const docker = new Dockerode();
  const shared: string[] = [];
  let other = "";
  const unlabelled = `nexus/build:${randomBytes(8).toString("hex")}`;
  const env = () => ({ HOME: home, NEXUS_HOME: `${home}/.nexus` });
  const cli = (repo: string, ...args: string[]) => spawnCli(args, repo, env());
  const imageOf = async (workspace: string, repo: string) =>
    (await docker.getContainer(await containerId(workspace, "app", repo)).inspect()).Image;
  const exists = (ref: string) =>
    docker
      .getImage(ref)
      .inspect()
      .then(() => true)
      .catch(() => false);

  beforeAll(async () => {
    home = isolatedHome();
    const files = (marker: string, readme: string) => ({
      "compose.yaml": BUILT_APP.compose,
      "app/Dockerfile": dockerfile(marker),
      "README.md": readme,
      ".nexus/config.yaml": BUILT_APP.config,
    });
    // The repositories differ outside the build context: that is no build input.
    shared.push(gitRepo(files(suffix, "alpha\n")), gitRepo(files(suffix, "beta\n")));
    other = gitRepo(files(`other-${suffix}`, "gamma\n"));
    const made = await Promise.all([
      ...shared.map((repo) => cli(repo, "workspace", "create", NAME)),
      cli(other, "workspace", "create", KEPT),
    ]);
    for (const result of made) expect(result.code, result.stderr).toBe(0);
    // An image Nexus did not label, under a name like Nexus's own.
    execFileSync("docker", ["build", "-q", "-t", unlabelled, "-"], {
      input: `FROM debian:bookworm-slim\nLABEL nexus.test=${suffix}\n`,
      stdio: ["pipe", "ignore", "pipe"],
    });
  });

  afterAll(async () => {
    for (const repo of shared) await cli(repo, "workspace", "destroy", NAME, "--force");
    if (other) await cli(other, "workspace", "destroy", KEPT, "--force");
    await docker
      .getImage(unlabelled)
      .remove()
      .catch(() => undefined);
  });

  it("builds one labelled image for two workspaces of the same content in two repositories", async () => {
    const [a, b] = await Promise.all(shared.map((repo) => imageOf(NAME, repo)));
    expect(a).toBe(b);
    const image = await docker.getImage(a!).inspect();
    expect(image.Config.Labels).toMatchObject({ "nexus.image": "1" });
    expect(image.RepoTags.filter((t) => t.startsWith("nexus/build:"))).toHaveLength(1);
    expect(await imageOf(KEPT, other)).not.toBe(a);
  });

  it("prune removes it once both are destroyed, and keeps an unlabelled image and one still in use", async () => {
    const id = await imageOf(NAME, shared[0]!);
    const tag = (await docker.getImage(id).inspect()).RepoTags.find((t) => t.startsWith("nexus/build:"))!;
    const kept = await imageOf(KEPT, other);
    for (const repo of shared)
      expect((await cli(repo, "workspace", "destroy", NAME, "--force")).code).toBe(0);
    const planned = JSON.parse((await cli(shared[0]!, "workspace", "prune", "--dry-run", "--json")).stdout);
    expect(planned.images).toContain(tag);
    expect(planned.images).not.toContain(unlabelled);
    expect(await exists(tag)).toBe(true);
    const pruned = JSON.parse((await cli(shared[0]!, "workspace", "prune", "--json")).stdout);
    expect(pruned.images).toContain(tag);
    expect(await exists(id)).toBe(false);
    expect(await exists(unlabelled)).toBe(true);
    expect(await exists(kept)).toBe(true);
  });
});
