import { createHash } from "node:crypto";
import { gitRaw } from "../core/git.js";

/** What the worktree holds (HEAD, staged, unstaged and untracked content), to tell "changed nothing". */
export async function worktreeFingerprint(dir: string): Promise<string> {
  const hash = createHash("sha256");
  // Nexus's own files in the worktree (the prompt) are not the agent's work.
  const notNexus = ["--", ".", ":(exclude).nexus"];
  hash.update((await gitRaw(["rev-parse", "HEAD"], dir)).stdout);
  hash.update((await gitRaw(["diff", "HEAD", "--binary", ...notNexus], dir)).stdout);
  const untracked = (await gitRaw(["ls-files", "--others", "--exclude-standard", ...notNexus], dir)).stdout
    .split("\n")
    .filter(Boolean);
  hash.update(untracked.join("\n"));
  if (untracked.length) hash.update((await gitRaw(["hash-object", "--", ...untracked], dir)).stdout);
  return hash.digest("hex");
}
