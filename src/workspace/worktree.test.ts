import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, gitRepo, tempDir } from "../../test/helpers/fs.js";
import { projectPaths } from "../core/paths.js";
import {
  branchExists,
  copyIgnoredFiles,
  createWorktree,
  deleteBranch,
  isDirty,
  nexusBranches,
  removeWorktree,
} from "./worktree.js";

function setup() {
  const repo = gitRepo();
  return { repo, paths: projectPaths(repo, join(repo, ".git")), path: join(repo, ".nexus/worktrees/feat") };
}

describe("worktrees", () => {
  it("creates a locked worktree on a new branch that survives git worktree prune", async () => {
    const { repo, paths, path } = setup();
    expect(await createWorktree({ paths, path, branch: "nexus/feat", template: "none" })).toBe(true);
    expect(git(path, "rev-parse", "--abbrev-ref", "HEAD")).toBe("nexus/feat");
    const moved = `${path}-elsewhere`;
    git(repo, "worktree", "list");
    // Simulate a container's view: the worktree path is invisible, prune runs anyway.
    rmSync(join(repo, ".git/worktrees/feat/gitdir"), { force: true });
    writeFileSync(join(repo, ".git/worktrees/feat/gitdir"), `${moved}/.git\n`);
    git(repo, "worktree", "prune");
    expect(existsSync(join(repo, ".git/worktrees/feat"))).toBe(true);
    writeFileSync(join(repo, ".git/worktrees/feat/gitdir"), `${path}/.git\n`);
    expect(await nexusBranches(repo)).toEqual(new Set(["nexus/feat"]));
  });

  it("reuses an existing branch, and refuses --from with it", async () => {
    const { repo, paths, path } = setup();
    git(repo, "branch", "nexus/feat");
    await expect(
      createWorktree({ paths, path, branch: "nexus/feat", from: "main", template: "none" }),
    ).rejects.toThrow(/already exists/);
    expect(await createWorktree({ paths, path, branch: "nexus/feat", template: "none" })).toBe(false);
  });

  it("refuses unknown refs and repositories without commits", async () => {
    const { paths, path } = setup();
    await expect(
      createWorktree({ paths, path, branch: "nexus/x", from: "nope", template: "none" }),
    ).rejects.toThrow(/no such commit/);
    const empty = tempDir();
    git(empty, "init", "-q", "-b", "main");
    const emptyPaths = projectPaths(empty, join(empty, ".git"));
    await expect(
      createWorktree({ paths: emptyPaths, path: join(empty, "wt"), branch: "nexus/x", template: "none" }),
    ).rejects.toMatchObject({ hint: expect.stringContaining("first commit") });
  });

  it("detects uncommitted changes, removes worktrees and deletes branches", async () => {
    const { repo, paths, path } = setup();
    await createWorktree({ paths, path, branch: "nexus/feat", template: "none" });
    expect(await isDirty(path)).toBe(false);
    writeFileSync(join(path, "new.txt"), "x");
    expect(await isDirty(path)).toBe(true);
    await removeWorktree(repo, path);
    expect(existsSync(path)).toBe(false);
    expect(await branchExists(repo, "nexus/feat")).toBe(true);
    await deleteBranch(repo, "nexus/feat");
    expect(await branchExists(repo, "nexus/feat")).toBe(false);
  });

  it("copies listed gitignored files that exist, without overwriting", () => {
    const from = tempDir();
    const to = tempDir();
    writeFileSync(join(from, ".env"), "SECRET=1");
    mkdirSync(join(from, "config"));
    writeFileSync(join(from, "config/local.json"), "{}");
    writeFileSync(join(to, ".env.local"), "keep");
    writeFileSync(join(from, ".env.local"), "other");
    expect(copyIgnoredFiles({ from, to, files: [".env", ".env.local", "config", "missing"] })).toEqual([
      ".env",
      "config",
    ]);
    expect(existsSync(join(to, "config/local.json"))).toBe(true);
  });
});
