import { execFileSync } from "node:child_process";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();
const NAME = "feat";
const psql = (id: string, sql: string) =>
  execFileSync("docker", ["exec", id, "psql", "-U", "nexus", "-d", "app", "-tAc", sql], { encoding: "utf8" });

/** Two repositories, one workspace name, created at once as two users' shells would: nothing shared. */
describe.skipIf(!hasDocker)("the same workspace name in two repositories", () => {
  let home: string;
  const repos: string[] = [];
  const env = () => ({ HOME: home, NEXUS_HOME: `${home}/.nexus` });
  const cli = (repo: string, ...args: string[]) => spawnCli(args, repo, env());

  beforeAll(async () => {
    home = isolatedHome();
    for (const who of ["alpha", "beta"]) repos.push(gitRepo({ "who.txt": `${who}\n` }));
    for (const repo of repos) expect((await cli(repo, "init")).code).toBe(0);
    const created = await Promise.all(
      repos.map((repo) => cli(repo, "workspace", "create", NAME, "--template", "node-postgres", "--json")),
    );
    for (const result of created) expect(result.code, result.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const repo of repos) await cli(repo, "workspace", "destroy", NAME, "--force");
  });

  it("gives each repository its own containers, volumes and database", async () => {
    const docker = new Dockerode();
    const containers = await docker.listContainers({ filters: { label: [`nexus.workspace=${NAME}`] } });
    expect(new Set(containers.map((c) => c.Labels["com.docker.compose.project"])).size).toBe(2);
    expect(new Set(containers.map((c) => c.Labels["nexus.repo"])).size).toBe(2);
    const dbs = containers.filter((c) => c.Labels["com.docker.compose.service"] === "db").map((c) => c.Id);
    expect(dbs).toHaveLength(2);
    psql(dbs[0]!, "CREATE TABLE only_in_one (id int)");
    const count = "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_one'";
    expect([psql(dbs[0]!, count).trim(), psql(dbs[1]!, count).trim()]).toEqual(["1", "0"]);
    const volumes = (await docker.listVolumes({ filters: { label: [`nexus.workspace=${NAME}`] } })).Volumes;
    expect(new Set(volumes?.map((v) => v.Name)).size).toBe(volumes?.length);
    expect(volumes?.length).toBeGreaterThanOrEqual(2);
  });

  it("gives each its own SSH alias, reaching its own worktree", async () => {
    const aliases: string[] = [];
    for (const repo of repos) {
      const status = JSON.parse((await cli(repo, "workspace", "status", NAME, "--json")).stdout);
      aliases.push(status.sshAlias);
    }
    expect(new Set(aliases).size).toBe(2);
    const read = (alias: string) =>
      execFileSync("ssh", ["-F", `${home}/.ssh/config`, "-o", "BatchMode=yes", alias, "--", "cat who.txt"], {
        encoding: "utf8",
        timeout: 20_000,
      }).trim();
    expect(aliases.map(read)).toEqual(["alpha", "beta"]);
  });

  it("lists only its own repository's containers, and destroying one leaves the other running", async () => {
    const [a, b] = repos as [string, string];
    const listA = JSON.parse((await cli(a, "workspace", "list", "--json")).stdout).workspaces;
    expect(listA).toHaveLength(1);
    expect(listA[0].drift).toEqual([]);
    expect((await cli(a, "workspace", "destroy", NAME, "--force")).code).toBe(0);
    const listB = JSON.parse((await cli(b, "workspace", "list", "--json")).stdout).workspaces;
    expect(listB[0].state).toBe("running");
    expect(listB[0].drift).toEqual([]);
    expect((await cli(b, "workspace", "exec", NAME, "--", "true")).code).toBe(0);
  });
});
