import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

describe("nexus init and worktree-only workspaces", () => {
  it("initialises idempotently and refuses outside a git repository", async () => {
    isolatedHome();
    const outside = tempDir();
    const refused = await runCli(["init"], outside);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Not inside a git repository");
    expect(existsSync(join(outside, ".nexus"))).toBe(false);

    const repo = gitRepo({
      "package.json": JSON.stringify({ scripts: { test: "node t.js", lint: "true" } }),
    });
    const first = await runCli(["init", "--json"], repo);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).gates).toEqual(["npm run lint", "npm test"]);
    const config = readFileSync(join(repo, ".nexus/config.yaml"), "utf8");
    const second = await runCli(["init"], repo);
    expect(second.code).toBe(0);
    expect(readFileSync(join(repo, ".nexus/config.yaml"), "utf8")).toBe(config);
    const ignore = readFileSync(join(repo, ".gitignore"), "utf8");
    expect(ignore.match(/\.nexus\/worktrees\//g)).toHaveLength(1);
  });

  it("creates, lists, runs in and destroys a workspace without containers", async () => {
    isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    const created = await runCli(["workspace", "create", "feat-a", "--template", "none", "--json"], repo);
    expect(created.code).toBe(0);
    const worktree = JSON.parse(created.stdout).workspace.worktreePath;
    expect(git(worktree, "rev-parse", "--abbrev-ref", "HEAD")).toBe("nexus/feat-a");

    const list = JSON.parse((await runCli(["workspace", "list", "--json"], repo)).stdout);
    expect(list.workspaces.map((w: { name: string }) => w.name)).toEqual(["feat-a"]);
    expect((await runCli(["workspace", "exec", "feat-a", "--", "sh", "-c", "exit 7"], repo)).code).toBe(7);
    expect((await runCli(["workspace", "path"], worktree)).stdout.trim()).toBe(worktree);

    const destroyed = await runCli(["workspace", "destroy", "feat-a", "--force"], repo);
    expect(destroyed.code).toBe(0);
    expect(existsSync(worktree)).toBe(false);
    expect(git(repo, "branch", "--list", "nexus/feat-a")).toContain("nexus/feat-a");
  });

  it("lets exactly one of two concurrent creates of the same name win", async () => {
    isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    const { openProject } = await import("../src/workspace/context.js");
    const { createWorkspace } = await import("../src/workspace/manager.js");
    const results = await Promise.allSettled(
      [1, 2].map(async () => createWorkspace(await openProject(repo), { name: "same", template: "none" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason.message).toMatch(/already exists/);
    expect(git(repo, "worktree", "list")).toContain(".nexus/worktrees/same");
  });
});
