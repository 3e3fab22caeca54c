import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { resetDockerClient } from "../src/workspace/engine/docker.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable, resourcesOf } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();

/** After a refused create: no worktree, no branch, no database row, no Docker resources. */
async function expectNothingLeft(repo: string, name: string): Promise<void> {
  expect(existsSync(join(repo, ".nexus/worktrees", name))).toBe(false);
  expect(git(repo, "branch", "--list", `nexus/${name}`)).toBe("");
  expect((await openProject(repo)).store.find(name)).toBeUndefined();
  if (hasDocker) expect(await resourcesOf(name, repo)).toEqual({ containers: 0, networks: 0, volumes: 0 });
}

async function initRepo(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  return repo;
}

describe("bad input gets a clear error and changes nothing", () => {
  afterEach(() => {
    delete process.env.DOCKER_HOST;
    resetDockerClient();
  });

  it.each(["Bad", "../escape", "a/b", "-lead", "trail-", "double--dash", "x".repeat(41), ""])(
    "refuses the name %j",
    async (name) => {
      const repo = await initRepo();
      const result = await runCli(["workspace", "create", "--template", "none", "--", name], repo);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/error: Invalid workspace name/);
      expect(result.stderr).toContain("hint:");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(repo, ".nexus/worktrees"))).toBe(false);
    },
  );

  it("refuses an unknown template and lists the known ones", async () => {
    const repo = await initRepo();
    const result = await runCli(["workspace", "create", "feat", "--template", "nope"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown template "nope"');
    expect(result.stderr).toContain("node-postgres");
    await expectNothingLeft(repo, "feat");
  });

  it("rejects a malformed template naming the file and field, before creating anything", async () => {
    const repo = await initRepo();
    const dir = join(repo, ".nexus/templates/broken");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  app:\n    image: alpine\n    ports: [{ target: 'eighty' }]\n",
    );
    const result = await runCli(["workspace", "create", "feat", "--template", "broken"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, "compose.yaml"));
    expect(result.stderr).toContain("services.app.ports");
    await expectNothingLeft(repo, "feat");
  });

  it("says Docker is unreachable and leaves nothing behind", async () => {
    const repo = await initRepo();
    process.env.DOCKER_HOST = `unix://${tempDir()}/no-docker.sock`;
    resetDockerClient();
    const result = await runCli(["workspace", "create", "feat", "--template", "node-postgres"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot reach the Docker Engine");
    expect(result.stderr).toContain("--template none");
    delete process.env.DOCKER_HOST;
    resetDockerClient();
    await expectNothingLeft(repo, "feat");
  });

  it("refuses outside a git repository and before init", async () => {
    isolatedHome();
    const plain = tempDir();
    const outside = await runCli(["workspace", "create", "feat", "--template", "none"], plain);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("Not inside a git repository");
    const repo = gitRepo();
    const uninitialised = await runCli(["workspace", "list"], repo);
    expect(uninitialised.code).toBe(2);
    expect(uninitialised.stderr).toContain("nexus init");
  });

  it("refuses unknown workspaces, duplicates and a dirty destroy", async () => {
    const repo = await initRepo();
    expect((await runCli(["workspace", "status", "ghost"], repo)).stderr).toContain(
      'No workspace named "ghost"',
    );
    expect((await runCli(["workspace", "create", "feat", "-t", "none"], repo)).code).toBe(0);
    const again = await runCli(["workspace", "create", "feat", "-t", "none"], repo);
    expect(again.stderr).toContain("already exists");
    const worktree = (await openProject(repo)).store.get("feat").worktreePath;
    writeFileSync(join(worktree, "draft.txt"), "unsaved");
    const dirty = await runCli(["workspace", "destroy", "feat", "--force-not-a-flag"], repo);
    expect(dirty.code).toBe(2);
    const refused = await runCli(["workspace", "destroy", "feat"], repo);
    expect(refused.code).toBe(2);
    expect(existsSync(join(worktree, "draft.txt"))).toBe(true);
  });

  it("starts from --from and refuses an unknown ref", async () => {
    const repo = await initRepo();
    git(repo, "checkout", "-q", "-b", "base");
    writeFileSync(join(repo, "base.txt"), "from base");
    git(repo, "add", "base.txt");
    git(repo, "commit", "-qm", "base");
    git(repo, "checkout", "-q", "main");
    expect(
      (await runCli(["workspace", "create", "from-base", "-t", "none", "--from", "base"], repo)).code,
    ).toBe(0);
    expect(existsSync(join(repo, ".nexus/worktrees/from-base", basename(repo), "base.txt"))).toBe(true);
    const bad = await runCli(
      ["workspace", "create", "from-bad", "-t", "none", "--from", "no-such-ref"],
      repo,
    );
    expect(bad.stderr).toContain("no such commit");
    await expectNothingLeft(repo, "from-bad");
  });
});

describe.skipIf(!hasDocker)("a failing post-create command", () => {
  it("undoes the whole create and says which command failed", async () => {
    const repo = await initRepo();
    const dir = join(repo, ".nexus/templates/bad-hook");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "compose.yaml"),
      "x-nexus:\n  extends: node-postgres\n  post_create: ['exit 9']\nservices: {}\n",
    );
    const result = await runCli(["workspace", "create", "hooked", "--template", "bad-hook"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("`exit 9` failed with exit code 9");
    await expectNothingLeft(repo, "hooked");
  });
});

describe.skipIf(!hasDocker)("a gitignored bind source", () => {
  it("is named when the main checkout has it but a new worktree does not", async () => {
    const repo = await initRepo();
    writeFileSync(join(repo, ".gitignore"), "data/\n");
    mkdirSync(join(repo, "data"));
    writeFileSync(join(repo, "data/seed.sql"), "select 1;\n");
    const dir = join(repo, ".nexus/templates/binds");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  app:\n    image: debian:bookworm-slim\n    command: ['sleep', 'infinity']\n    volumes: ['./data:/data']\n",
    );
    const result = await runCli(["workspace", "create", "binds", "--template", "binds"], repo);
    expect(result.code).toBe(2); // a config error: exit 2, as the error table says (was 1)
    expect(result.stderr).toContain("./data, bind-mounted into service app, is in the main checkout");
    expect(result.stderr).toContain("copy_files");
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    await expectNothingLeft(repo, "binds");
  });
});

describe.skipIf(!hasDocker)("a dev container that exits", () => {
  it("is an error that says why, not a ready workspace", async () => {
    const repo = await initRepo();
    const dir = join(repo, ".nexus/templates/quits");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "compose.yaml"),
      "services:\n  dev:\n    image: debian:bookworm-slim\n    command: ['true']\n",
    );
    const result = await runCli(["workspace", "create", "quits", "--template", "quits"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is not running: it exited with code 0");
    expect(result.stderr).toContain("sleep infinity");
    await expectNothingLeft(repo, "quits");
  });
});
