import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/fs.js";
import { copyIgnoredFiles } from "../workspace/worktree.js";
import { linkFree, writeInside } from "./inside.js";

describe("host writes into a folder a container can change", () => {
  it("replace a planted link to a host file instead of writing through it", () => {
    const worktree = tempDir();
    const victim = join(tempDir(), ".bashrc");
    writeFileSync(victim, "original\n");
    mkdirSync(join(worktree, ".nexus/runs/agent"), { recursive: true });
    symlinkSync(victim, join(worktree, ".nexus/runs/agent/prompt.md"));
    const file = writeInside(worktree, ".nexus/runs/agent/prompt.md", "the prompt");
    expect(readFileSync(victim, "utf8")).toBe("original\n");
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(file, "utf8")).toBe("the prompt");
  });

  it("replace a planted link to a host folder on the way", () => {
    const worktree = tempDir();
    const home = tempDir();
    mkdirSync(join(worktree, ".nexus"));
    symlinkSync(home, join(worktree, ".nexus/runs"));
    writeInside(worktree, ".nexus/runs/agent/prompt.md", "the prompt");
    expect(existsSync(join(home, "agent"))).toBe(false);
    expect(lstatSync(join(worktree, ".nexus/runs")).isDirectory()).toBe(true);
  });

  it("never copy an ignored file through a link the branch holds", () => {
    const main = tempDir();
    const worktree = tempDir();
    const victim = join(tempDir(), "profile");
    writeFileSync(join(main, ".env"), "SECRET=1\n");
    symlinkSync(victim, join(worktree, ".env"));
    expect(copyIgnoredFiles({ from: main, to: worktree, files: [".env"] })).toEqual([]);
    expect(existsSync(victim)).toBe(false);
    expect(linkFree(worktree, "a/b")).toBe(true);
    expect(linkFree(worktree, "../x")).toBe(false);
  });
});
