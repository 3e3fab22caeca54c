import { createHash } from "node:crypto";
import type { TreeAccess } from "../workspace/tree-access.js";

/**
 * What the worktree holds (HEAD, staged, unstaged and untracked content), to tell "changed nothing";
 * read with Nexus's own git, here or on the workspace's host.
 */
export async function worktreeFingerprint(tree: TreeAccess): Promise<string> {
  const hash = createHash("sha256");
  // Nexus's own files in the worktree (the prompt) are not the agent's work.
  const notNexus = ["--", ".", ":(exclude).nexus"];
  hash.update((await tree.git(["rev-parse", "HEAD"])).stdout);
  hash.update((await tree.git(["diff", "HEAD", "--binary", ...notNexus])).stdout);
  const untracked = (await tree.git(["ls-files", "--others", "--exclude-standard", ...notNexus])).stdout
    .split("\n")
    .filter(Boolean);
  hash.update(untracked.join("\n"));
  if (untracked.length) hash.update((await tree.git(["hash-object", "--", ...untracked])).stdout);
  return hash.digest("hex");
}
