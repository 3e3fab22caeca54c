import { existsSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gitRaw } from "../core/git.js";
import type { RunResult } from "../core/process.js";

/**
 * How Nexus itself reads a worktree for a gate's evidence (its commit, what changed, the scripts its
 * checks run): with its own git, guarded against what the worktree says about itself, on this
 * machine or on the workspace's host. Never through the container, whose programs the agent controls.
 */
export interface TreeAccess {
  /** Where the tree is, for messages. */
  dir: string;
  git(args: string[]): Promise<RunResult>;
  /** A regular file's text; "not a file" for anything else there (a FIFO never ends); undefined if absent. */
  read(file: string): Promise<string | undefined>;
  exists(file: string): Promise<boolean>;
}

export function localTree(dir: string): TreeAccess {
  return {
    dir,
    git: (args) => gitRaw(args, dir),
    read: async (file) => {
      const stat = lstatSync(join(dir, file), { throwIfNoEntry: false });
      return stat?.isFile() ? readFileSync(join(dir, file), "utf8") : stat ? "not a file" : undefined;
    },
    exists: async (file) => existsSync(join(dir, file)),
  };
}
