import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable, execCapture, resourcesOf } from "./helpers/docker.js";
import { git, tempDir } from "./helpers/fs.js";
import { initialisedRepo } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();

/** A dev container with git in it (the node-postgres dev image, without its database). */
function gitDevTemplate(repo: string): void {
  const dir = join(repo, ".nexus/templates/gitdev");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "compose.yaml"),
    [
      "services:",
      "  dev:",
      "    build:",
      "      context: ${NEXUS_TEMPLATES}/_dev",
      '      args: { LANGUAGE: node, VERSION: "24" }',
      '    command: ["sleep", "infinity"]',
      "    init: true",
      "x-nexus:",
      "  dev_service: dev",
      "  ssh: false",
    ].join("\n"),
  );
}

const sh = (repo: string, name: string, script: string) =>
  execCapture(name, "dev", ["sh", "-c", script], repo);

async function taskWithCheck(repo: string, workspace: string): Promise<string> {
  const created = await runCli(
    ["task", "create", `t-${workspace}`, "-w", workspace, "--check", "true", "--json"],
    repo,
  );
  const id = JSON.parse(created.stdout).id as string;
  await runCli(["task", "start", id], repo);
  return id;
}

describe.skipIf(!hasDocker)("a workspace's containers on a real engine", () => {
  const { repo, made } = initialisedRepo((dir) => {
    gitDevTemplate(dir);
    devcontainerFiles(dir);
    hostyTemplate(dir);
  });
  gitGuard(repo, made);
  parentMount(repo, made);
  riskyServices(repo, made);
});

type Repo = () => string;

function gitGuard(repo: Repo, made: string[]): void {
  const marker = () => join(tempDir("nexus-marker-"), "escaped");

  it("lets the container commit, branch, log and diff, and keeps config, hooks, info and other worktrees read-only", async () => {
    made.push("gg-one", "gg-two");
    for (const name of ["gg-one", "gg-two"]) {
      const created = await runCli(["workspace", "create", name, "-t", "gitdev"], repo());
      expect(created.code, created.stderr).toBe(0);
    }
    const common = join(repo(), ".git");
    const work = await sh(
      repo(),
      "gg-one",
      "echo x > a.txt && git add a.txt && git commit -qm add && git branch gg-side && git log --oneline -1 && git diff HEAD~1 --stat",
    );
    expect(work.code, work.stdout).toBe(0);
    expect(git(repo(), "log", "--format=%s", "-1", "nexus/gg-one")).toBe("add");
    expect(git(repo(), "branch", "--list", "gg-side")).toContain("gg-side");
    const other = readFileSync(join(repo(), ".nexus/worktrees/gg-two", basename(repo()), ".git"), "utf8");
    const otherAdmin = /gitdir: (.+)/.exec(other)![1]!.trim();
    for (const target of [
      "config",
      "hooks/pre-commit",
      "info/attributes",
      "packed-refs",
      `${otherAdmin}/HEAD`,
    ]) {
      const file = target.startsWith("/") ? target : join(common, target);
      const wrote = await sh(repo(), "gg-one", `echo evil >> '${file}'`);
      expect(wrote.code, `${file} must be read-only`).not.toBe(0);
      expect(wrote.stdout).toContain("Read-only file system");
    }
    const config = await sh(repo(), "gg-one", "git config core.fsmonitor 'touch /tmp/x; false'");
    expect(config.code).not.toBe(0);
  });

  it("runs no fsmonitor or hook already in the repository on status, task complete, repair or create", async () => {
    const escaped = marker();
    git(repo(), "config", "core.fsmonitor", `touch ${escaped}; false`);
    for (const hook of ["post-checkout", "pre-commit", "reference-transaction", "post-index-change"]) {
      writeFileSync(join(repo(), ".git/hooks", hook), `#!/bin/sh\ntouch ${escaped}\n`);
      chmodSync(join(repo(), ".git/hooks", hook), 0o755);
    }
    try {
      await sh(repo(), "gg-one", "echo dirty > dirty.txt");
      expect((await runCli(["workspace", "status", "gg-one"], repo())).code).toBe(0);
      expect((await runCli(["workspace", "list"], repo())).code).toBe(0);
      const id = await taskWithCheck(repo(), "gg-one");
      const done = await runCli(["task", "complete", id], repo());
      expect(done.code, done.stderr).toBe(0);
      expect((await runCli(["workspace", "repair", "gg-one"], repo())).code).toBe(0);
      made.push("gg-three");
      expect((await runCli(["workspace", "create", "gg-three", "-t", "none"], repo())).code).toBe(0);
      expect(existsSync(escaped)).toBe(false);
    } finally {
      git(repo(), "config", "--unset", "core.fsmonitor");
    }
  });

  it("does not follow a .git file or commondir the container rewrote, and repair puts them back", async () => {
    const escaped = marker();
    // The container learns the host paths from git's own files, then points the worktree at a repository it made.
    const planted = await sh(
      repo(),
      "gg-two",
      [
        "ADMIN=$(sed 's/^gitdir: //' .git)",
        'HOSTWT=$(dirname "$(cat "$ADMIN/gitdir")")',
        "git init -q --bare .fake && git config -f .fake/config core.bare false",
        `git config -f .fake/config core.fsmonitor 'touch ${escaped}; false'`,
        "git --git-dir=.fake --work-tree=. add README.md",
        'echo "gitdir: $HOSTWT/.fake" > .git',
      ].join(" && "),
    );
    expect(planted.code, planted.stdout).toBe(0);
    const id = await taskWithCheck(repo(), "gg-two");
    const refused = await runCli(["task", "complete", id], repo());
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/changed git link/);
    expect(refused.stderr).toContain("nexus workspace repair gg-two");
    expect((await runCli(["workspace", "list"], repo())).stdout).toContain("git link changed");
    expect((await runCli(["workspace", "up", "gg-two"], repo())).code).not.toBe(0);
    expect(existsSync(escaped)).toBe(false);

    const repaired = await runCli(["workspace", "repair", "gg-two"], repo());
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout + repaired.stderr).toContain("restored the git link");
    const admin = await sh(repo(), "gg-two", "sed 's/^gitdir: //' .git");
    const commondir = join(admin.stdout.trim(), "commondir");
    const rewrote = await sh(
      repo(),
      "gg-two",
      `mkdir -p .fakecommon && echo "$(pwd)/.fakecommon" > '${commondir}'`,
    );
    expect(rewrote.code).toBe(0);
    expect((await runCli(["task", "complete", id], repo())).stderr).toMatch(/commondir points elsewhere/);
    expect((await runCli(["workspace", "repair", "gg-two"], repo())).code).toBe(0);
    const done = await runCli(["task", "complete", id], repo());
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(escaped)).toBe(false);
  });
}

function devcontainerFiles(dir: string): void {
  mkdirSync(join(dir, ".devcontainer"));
  const folder = `/workspaces/${basename(dir)}`;
  writeFileSync(
    join(dir, ".devcontainer/devcontainer.json"),
    JSON.stringify({ dockerComposeFile: "docker-compose.yml", service: "app", workspaceFolder: folder }),
  );
  writeFileSync(
    join(dir, ".devcontainer/docker-compose.yml"),
    [
      "services:",
      "  app:",
      "    image: debian:bookworm-slim",
      '    command: ["sleep", "infinity"]',
      "    volumes:",
      "      - ../..:/workspaces:cached",
    ].join("\n"),
  );
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "devcontainer");
}

function parentMount(repo: Repo, made: string[]): void {
  it("sees only its own workspace: /workspaces holds the repository folder and nothing of the other", async () => {
    made.push("dc-a", "dc-b");
    for (const name of ["dc-a", "dc-b"]) {
      const created = await runCli(["workspace", "create", name, "-t", "devcontainer"], repo());
      expect(created.code, created.stderr).toBe(0);
    }
    const ctx = await openProject(repo());
    writeFileSync(join(ctx.store.get("dc-b").worktreePath, "secret-of-b.txt"), "b\n");
    const seen = await execCapture(
      "dc-a",
      "app",
      ["sh", "-c", "ls -A /workspaces; find /workspaces -name secret-of-b.txt"],
      repo(),
    );
    expect(seen.stdout.trim().split("\n")).toEqual([basename(repo())]);
  });
}

function hostyTemplate(dir: string): void {
  const tpl = join(dir, ".nexus/templates/hosty");
  mkdirSync(tpl, { recursive: true });
  writeFileSync(
    join(tpl, "compose.yaml"),
    [
      "services:",
      "  app:",
      "    image: debian:bookworm-slim",
      '    command: ["sleep", "infinity"]',
      "    network_mode: host",
      "    privileged: true",
      "    volumes:",
      "      - /var/run/docker.sock:/var/run/docker.sock",
      "x-nexus:",
      "  dev_service: app",
      "  ssh: false",
    ].join("\n"),
  );
}

function riskyServices(repo: Repo, made: string[]): void {
  it("are refused by name and what they expose, before anything starts; allowed in config they start with a warning", async () => {
    made.push("risky");
    const refused = await runCli(["workspace", "create", "risky", "-t", "hosty"], repo());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/app asks for the host's network .*host's devices.*Docker socket/);
    expect(refused.stderr).toContain("app: [host_network, privileged, docker_socket]");
    expect(await resourcesOf("risky", repo())).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(existsSync(join(repo(), ".nexus/worktrees/risky"))).toBe(false);

    // This engine may not run privileged containers at all: the allowed run asks for the other two.
    const file = join(repo(), ".nexus/templates/hosty/compose.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("    privileged: true\n", ""));
    const config = join(repo(), ".nexus/config.yaml");
    writeFileSync(config, `${readFileSync(config, "utf8")}allow:\n  app: [host_network, docker_socket]\n`);
    const allowed = await runCli(["workspace", "create", "risky", "-t", "hosty"], repo());
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: service app is allowed the host's network/);
    expect(allowed.stderr).toMatch(/warning: service app is allowed the Docker socket/);
  });
}
