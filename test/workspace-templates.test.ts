import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable, resourcesOf } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();

describe.skipIf(!hasDocker)("built-in and project templates on a real engine", () => {
  let repo: string;
  const made: string[] = [];

  beforeAll(async () => {
    isolatedHome();
    repo = gitRepo();
    await runCli(["init"], repo);
  });

  afterAll(async () => {
    if (!repo) return;
    const ctx = await openProject(repo);
    for (const name of made) await destroyWorkspace(ctx, name, { force: true }).catch(() => undefined);
  });

  it.each([
    ["go-postgres", ["go", "version"], /go1\.\d+/],
    ["python-postgres", ["python3", "--version"], /Python 3\.\d+/],
    ["node-postgres", ["node", "--version"], /v\d+\./],
  ])(
    "%s gives a dev container with its toolchain and a reachable database",
    async (template, cmd, pattern) => {
      const name = `tpl-${template.split("-")[0]}`;
      made.push(name);
      const created = await runCli(["workspace", "create", name, "--template", template], repo);
      expect(created.code, created.stderr).toBe(0);
      const version = await runCli(["workspace", "exec", name, "--", ...cmd], repo);
      expect(version.stdout).toMatch(pattern);
      const db = await runCli(
        ["workspace", "exec", name, "--", "sh", "-c", "git --version && echo $DATABASE_URL"],
        repo,
      );
      expect(db.stdout).toContain("postgresql://nexus:nexus@db:5432/app");
    },
  );

  it("runs a project template that extends a built-in, with an image service and post-create commands", async () => {
    const dir = join(repo, ".nexus/templates/with-worker");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "compose.yaml"),
      [
        "services:",
        "  worker:",
        "    image: debian:bookworm-slim",
        '    command: ["sleep", "infinity"]',
        "    container_name: fixed-name-is-ignored",
        "x-nexus:",
        "  extends: node-postgres",
        "  description: node-postgres plus a worker",
        '  post_create: ["echo created >> /workspace/.hooks"]',
        '  post_start: ["echo started >> /workspace/.hooks"]',
      ].join("\n"),
    );
    const shown = JSON.parse((await runCli(["template", "show", "with-worker", "--json"], repo)).stdout);
    expect(shown.services.sort()).toEqual(["db", "dev", "worker"]);
    made.push("ext-one");
    expect((await runCli(["workspace", "create", "ext-one", "-t", "with-worker"], repo)).code).toBe(0);
    expect(await resourcesOf("ext-one", repo)).toEqual({ containers: 3, networks: 1, volumes: 1 });
    // A fixed container_name would collide between workspaces: the override resets it.
    const names = execFileSync(
      "docker",
      [
        "ps",
        "--filter",
        "label=nexus.workspace=ext-one",
        "--filter",
        `label=nexus.repo=${(await openProject(repo)).repoId}`,
        "--format",
        "{{.Names}}",
      ],
      {
        encoding: "utf8",
      },
    );
    expect(names).not.toContain("fixed-name-is-ignored");
    expect(names).toMatch(/nexus-ext-one-[0-9a-f]{6}-worker-1/);
    await runCli(["workspace", "down", "ext-one"], repo);
    await runCli(["workspace", "up", "ext-one"], repo);
    const hooks = await runCli(["workspace", "exec", "ext-one", "--", "cat", "/workspace/.hooks"], repo);
    expect(hooks.stdout.trim().split("\n")).toEqual(["created", "started", "started"]);
    const logs = await runCli(["workspace", "logs", "ext-one", "db", "--tail", "50"], repo);
    expect(logs.code).toBe(0);
    const status = await runCli(["workspace", "status", "ext-one"], repo);
    expect(status.stdout).toContain("worker");
    expect(status.stdout).toContain("DATABASE_URL=postgresql://nexus:nexus@127.0.0.1:");
  });

  it("prunes leftovers of workspaces the database no longer knows", async () => {
    made.push("orphan");
    expect((await runCli(["workspace", "create", "orphan", "-t", "node-postgres"], repo)).code).toBe(0);
    (await openProject(repo)).db.prepare("DELETE FROM workspaces WHERE name = 'orphan'").run();
    const dry = JSON.parse((await runCli(["workspace", "prune", "--dry-run", "--json"], repo)).stdout);
    expect(dry).toMatchObject({ worktrees: ["orphan"], containers: ["orphan"], dryRun: true });
    expect((await resourcesOf("orphan", repo)).containers).toBe(2);
    const pruned = await runCli(["workspace", "prune"], repo);
    expect(pruned.code).toBe(0);
    expect(await resourcesOf("orphan", repo)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect((await runCli(["workspace", "prune"], repo)).stderr).toContain("Nothing to prune");
  });

  it("reports a healthy engine in doctor", async () => {
    const doctor = JSON.parse((await runCli(["doctor", "--json"], repo)).stdout);
    const docker = doctor.find((c: { name: string }) => c.name === "docker");
    expect(docker.status).toBe("ok");
    const compose = doctor.find((c: { name: string }) => c.name === "compose");
    expect(compose).toMatchObject({ status: "ok", detail: expect.stringMatching(/^Docker Compose 2\.\d+/) });
    expect(doctor.find((c: { name: string }) => c.name === "ssh").status).toBe("ok");
  });
});
