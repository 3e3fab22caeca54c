import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Where a repository keeps its own environment, in the order Nexus looks. A module of its own, so
 * `create` and `up` read these names without loading the config schema (zod) that init needs.
 */
export const DEVCONTAINER_FILES = [".devcontainer/devcontainer.json", ".devcontainer.json"];
/** Compose's own default names, in its order: in a folder holding several, it reads the first. */
const COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
/**
 * The override Compose reads next to its default file: the first of these in the same folder,
 * whichever of COMPOSE_FILES that file is named (Compose pairs by folder, not by name).
 */
const COMPOSE_OVERRIDE_FILES = [
  "compose.override.yml",
  "compose.override.yaml",
  "docker-compose.override.yml",
  "docker-compose.override.yaml",
];

/** The compose file Compose reads in `dir` (relative to `root`, "" for the root itself), if any. */
export function composeFileIn(root: string, dir: string): string | undefined {
  const name = COMPOSE_FILES.find((f) => existsSync(join(root, dir, f)));
  return name === undefined ? undefined : dir ? `${dir}/${name}` : name;
}

/** The override file Compose adds to `file` (relative to `root`): the first one in its folder. */
export function composeOverrideFor(root: string, file: string): string | undefined {
  const dir = dirname(file);
  const name = COMPOSE_OVERRIDE_FILES.find((f) => existsSync(join(root, dir, f)));
  return name === undefined ? undefined : dir === "." ? name : `${dir}/${name}`;
}
