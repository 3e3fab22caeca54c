import { readdirSync } from "node:fs";
import { composeFileIn, composeOverrideFor } from "./project-files.js";

/** A compose file init can propose: the file, and the override Compose reads with it. */
export interface ComposeCandidate {
  /** Relative to the repository root, `/`-separated. */
  file: string;
  override?: string;
}

/** Folders where projects keep compose files, looked at right after the root (in this order). */
const USUAL_DIRS = [".devcontainer", "docker", "deploy"];
/** Never looked into: dependencies, Nexus's own state and other tools' hidden folders. */
const SKIPPED = new Set(["node_modules", ".git", ".nexus", "vendor"]);

/**
 * The compose files of a repository, as `docker compose` run in each folder would read them: the
 * root, then `.devcontainer/`, `docker/`, `deploy/`, then every other folder at the top level
 * (alphabetically). One candidate per folder (Compose's first default name), with its override.
 */
export function findComposeFiles(root: string): ComposeCandidate[] {
  const dirs = ["", ...USUAL_DIRS, ...topLevelDirs(root).filter((d) => !USUAL_DIRS.includes(d))];
  const found: ComposeCandidate[] = [];
  for (const dir of dirs) {
    const file = composeFileIn(root, dir);
    if (!file) continue;
    const override = composeOverrideFor(root, file);
    found.push(override ? { file, override } : { file });
  }
  return found;
}

function topLevelDirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIPPED.has(e.name))
      .map((e) => e.name)
      .filter((name) => !name.startsWith(".") || name === ".devcontainer")
      .sort();
  } catch {
    return [];
  }
}
