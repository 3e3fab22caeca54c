import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { spawnCli } from "./helpers/cli.js";
import { containerId, dockerAvailable, execCapture } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

/**
 * Issue 19, point 1: a compose file kept in `server/` (as mattermost keeps it) with its override,
 * relative paths that leave its folder (`context: ..`, a bind mount of `..`, `extends.file`) and a
 * `.env` beside it, becomes a workspace with `nexus init` and `workspace create` and nothing written by
 * hand; services of a profile start only when asked for and are then covered by Nexus's override.
 */
const hasDocker = await dockerAvailable();
const tag = randomBytes(3).toString("hex");

const COMPOSE = `services:
  app:
    build:
      context: ..
      dockerfile: server/Dockerfile
    command: ["sleep", "infinity"]
    init: true
    environment:
      GREETING: \${GREETING:-unset}
    volumes:
      - ..:/src:ro
  cache:
    extends:
      file: common.yaml
      service: sleeper
  tools:
    extends:
      file: common.yaml
      service: sleeper
    profiles: [tools]
    ports: ["8080"]
`;

const FILES = {
  "marker.txt": "built from the repository root\n",
  ".gitignore": ".env\n",
  "server/docker-compose.yaml": COMPOSE,
  "server/docker-compose.override.yml": 'services:\n  app:\n    environment:\n      FROM_OVERRIDE: "yes"\n',
  "server/common.yaml":
    'services:\n  sleeper:\n    image: debian:bookworm-slim\n    command: ["sleep", "infinity"]\n    init: true\n',
  "server/Dockerfile": "FROM debian:bookworm-slim\nCOPY marker.txt /marker.txt\n",
};

type Created = { ports: { service: string; containerPort: number; hostPort: number }[] };

describe.skipIf(!hasDocker)("a compose file in server/, found and run as Compose runs it", () => {
  let repo = "";
  let home = "";
  const made: string[] = [];
  const ws = (name: string) => `${name}-${tag}`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnCli(args, repo, { HOME: home, NEXUS_HOME: `${home}/.nexus`, COMPOSE_PROFILES: "", ...env });
  const create = async (name: string, ...extra: string[]) => {
    made.push(name);
    const result = await cli(["workspace", "create", name, "--json", ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as Created;
  };
  const labels = async (name: string, service: string) =>
    (await new Dockerode().getContainer(await containerId(name, service, repo)).inspect()).Config.Labels;

  beforeAll(async () => {
    home = isolatedHome();
    repo = gitRepo(FILES);
    // Compose reads .env from the project directory: the untracked one beside the file is copied.
    writeFileSync(join(repo, "server/.env"), "GREETING=hello-from-server-env\n");
  });

  afterAll(async () => {
    for (const name of made) await cli(["workspace", "destroy", name, "--force"]);
  });

  it("init proposes the file, its override and its dev service, with no question asked", async () => {
    const init = await cli(["init", "--yes", "--json"]);
    expect(init.code, init.stderr).toBe(0);
    const config = parse(readFileSync(join(repo, ".nexus/config.yaml"), "utf8"));
    expect(config.default_template).toBe("compose");
    expect(config.compose).toEqual({
      files: ["server/docker-compose.yaml", "server/docker-compose.override.yml"],
      dev_service: "app",
    });
    expect(config.copy_files).toContain("server/.env");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "nexus init");
  });

  it("creates a workspace whose relative paths resolve from server/, and no profiled service", async () => {
    const name = ws("srv");
    await create(name);
    const run = (cmd: string) => execCapture(name, "app", ["sh", "-c", cmd], repo);
    expect((await run("cat /marker.txt")).stdout).toBe("built from the repository root\n");
    expect((await run('echo "$GREETING $FROM_OVERRIDE"')).stdout.trim()).toBe("hello-from-server-env yes");
    expect((await run("cat /src/marker.txt")).stdout).toContain("repository root");
    expect(await labels(name, "cache")).toMatchObject({ "nexus.workspace": name });
    await expect(containerId(name, "tools", repo)).rejects.toThrow(/0 tools containers/);
  });

  it("starts a profile's service with --profile, covered by the override, and again after down/up", async () => {
    const name = ws("prof");
    const created = await create(name, "--profile", "tools");
    const { repoId } = await (await import("../src/workspace/context.js")).openProject(repo);
    expect(await labels(name, "tools")).toMatchObject({ "nexus.workspace": name, "nexus.repo": repoId });
    const port = created.ports.find((p) => p.service === "tools" && p.containerPort === 8080);
    expect(port).toBeDefined();
    const inspect = await new Dockerode().getContainer(await containerId(name, "tools", repo)).inspect();
    expect(inspect.HostConfig.PortBindings?.["8080/tcp"]).toEqual([
      { HostIp: "127.0.0.1", HostPort: String(port?.hostPort) },
    ]);
    // The model cached by the first workspace is relocated: this one mounts its own worktree.
    const app = await new Dockerode().getContainer(await containerId(name, "app", repo)).inspect();
    expect(app.Mounts.find((m) => m.Destination === "/src")?.Source).toContain(`/worktrees/${name}/`);
    expect((await cli(["workspace", "down", name])).code).toBe(0);
    const up = await cli(["workspace", "up", name]);
    expect(up.code, up.stderr).toBe(0);
    expect(
      (await new Dockerode().getContainer(await containerId(name, "tools", repo)).inspect()).State.Running,
    ).toBe(true);
    // .nexus/nexus.db is a cache: rebuilt from git and Docker, the record gets its profiles back from
    // the override's x-nexus block, so a later `up` still starts the profiled service.
    for (const f of ["nexus.db", "nexus.db-wal", "nexus.db-shm"])
      rmSync(join(repo, ".nexus", f), { force: true });
    const listed = await cli(["workspace", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    await new Dockerode().getContainer(await containerId(name, "tools", repo)).stop();
    const again = await cli(["workspace", "up", name]);
    expect(again.code, again.stderr).toBe(0);
    expect(
      (await new Dockerode().getContainer(await containerId(name, "tools", repo)).inspect()).State.Running,
    ).toBe(true);
  });

  it("takes COMPOSE_PROFILES from the environment and still covers every service it starts", async () => {
    const name = ws("env");
    made.push(name);
    const result = await cli(["workspace", "create", name, "--json"], { COMPOSE_PROFILES: "tools" });
    expect(result.code, result.stderr).toBe(0);
    expect(await labels(name, "tools")).toMatchObject({ "nexus.workspace": name });
  });

  it("names the exact Compose command that shows the same error when the file is broken", async () => {
    appendFileSync(
      join(repo, "server/docker-compose.yaml"),
      "  broken:\n    extends:\n      file: missing.yaml\n      service: x\n",
    );
    git(repo, "commit", "-qam", "break the file");
    const name = ws("bad");
    made.push(name);
    const result = await cli(["workspace", "create", name]);
    expect(result.code).toBe(2);
    const command = /`((?:COMPOSE_PROFILES= )?docker compose [^`]+ config)`/.exec(result.stderr)?.[1];
    expect(command, result.stderr).toBe(
      "docker compose -f server/docker-compose.yaml -f server/docker-compose.override.yml config",
    );
    let said = "";
    try {
      execFileSync("sh", ["-c", command!], {
        cwd: repo,
        stdio: "pipe",
        env: { ...process.env, COMPOSE_PROFILES: "" },
      });
    } catch (error) {
      said = String((error as { stderr: Buffer }).stderr);
    }
    expect(said).toContain("missing.yaml");
    expect(result.stderr).toContain("missing.yaml");
  });
});
