import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { trashDir, trashEntries } from "../src/workspace/trash.js";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";
import { until } from "./helpers/processes.js";

const FILES = 200_000;

/** A large node_modules: 200 packages of 1,000 small files (what `npm install` leaves). */
function fillNodeModules(worktree: string): void {
  const perPackage = 1_000;
  for (let p = 0; p < FILES / perPackage; p++) {
    const dir = join(worktree, "node_modules", `pkg-${p}`, "lib");
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perPackage; f++) writeFileSync(join(dir, `f${f}.js`), "module.exports = 1;\n");
  }
}

describe("workspace destroy of a big worktree", () => {
  it("returns in under 2 s, deletes the tree in the background, follows no link, clears stale trash", async () => {
    isolatedHome();
    const repo = gitRepo({ "README.md": "# big\n", ".gitignore": "node_modules/\n" });
    expect((await runCli(["init"], repo)).code).toBe(0);
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "nexus init");
    expect((await runCli(["workspace", "create", "big", "-t", "none"], repo)).code).toBe(0);
    const worktree = join(repo, ".nexus", "worktrees", "big", basename(repo));
    fillNodeModules(worktree);
    // A link out of the worktree (to the user's files): deleting the tree must not reach through it.
    const outside = tempDir("nexus-outside-");
    writeFileSync(join(outside, "precious.txt"), "keep me\n");
    symlinkSync(outside, join(worktree, "node_modules", "outside-link"));
    symlinkSync(join(outside, "precious.txt"), join(worktree, "node_modules", "file-link"));
    // What a deletion that crashed half-way leaves behind.
    const stale = join(trashDir(repo), "old-abc123", "tree", "node_modules", "x");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "index.js"), "1\n");

    // The log of a failed build (written by `up`) goes with the workspace.
    const buildLog = join(repo, ".nexus", "logs", "build-big.log");
    mkdirSync(join(repo, ".nexus", "logs"), { recursive: true });
    writeFileSync(buildLog, "step 1 failed\n");

    const ctx = await openProject(repo);
    const started = performance.now();
    await destroyWorkspace(ctx, "big");
    const elapsed = performance.now() - started;
    console.log(`destroy of a worktree with ${FILES} files: ${Math.round(elapsed)} ms`);
    expect(elapsed).toBeLessThan(2_000);

    expect(existsSync(worktree)).toBe(false);
    expect(existsSync(join(repo, ".nexus", "worktrees", "big"))).toBe(false);
    expect(existsSync(buildLog)).toBe(false);
    expect(git(repo, "worktree", "list")).not.toContain("big");
    expect(git(repo, "branch", "--list", "nexus/big")).toContain("nexus/big");
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect(await until(() => trashEntries(repo).length === 0, 60_000)).toBe(true);
    expect(readdirSync(outside)).toEqual(["precious.txt"]);
    expect(await until(() => trashEntries(repo).length === 0, 1)).toBe(true);
  }, 180_000);

  it("prune clears trash left by a crashed deletion, and never deletes through a trash that is a link", async () => {
    isolatedHome();
    const repo = gitRepo();
    expect((await runCli(["init"], repo)).code).toBe(0);
    mkdirSync(join(trashDir(repo), "old-xyz", "tree"), { recursive: true });
    writeFileSync(join(trashDir(repo), "old-xyz", "tree", "a.txt"), "a\n");
    const dry = await runCli(["workspace", "prune", "--dry-run", "--json"], repo);
    expect(JSON.parse(dry.stdout).trash).toEqual(["old-xyz"]);
    const pruned = await runCli(["workspace", "prune"], repo);
    expect(pruned.stdout + pruned.stderr).toContain("deleted 1 folder(s) left in .nexus/trash");
    expect(trashEntries(repo)).toEqual([]);

    // A trash replaced by a link to the user's folder: nothing is moved into it or deleted there.
    const outside = tempDir("nexus-outside-");
    writeFileSync(join(outside, "precious.txt"), "keep me\n");
    const { rmSync } = await import("node:fs");
    rmSync(trashDir(repo), { recursive: true });
    symlinkSync(outside, trashDir(repo));
    expect(trashEntries(repo)).toEqual([]);
    expect((await runCli(["workspace", "create", "w1", "-t", "none"], repo)).code).toBe(0);
    const destroyed = await runCli(["workspace", "destroy", "w1", "--force"], repo);
    expect(destroyed.code).not.toBe(0);
    expect(destroyed.stderr).toContain("is not a folder");
    expect(readdirSync(outside)).toEqual(["precious.txt"]);
    expect(git(repo, "worktree", "list", "--porcelain")).toContain("locked");
  });
});
