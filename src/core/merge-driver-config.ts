import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitRaw } from "./git.js";
import { type ProjectPaths, packageRoot } from "./paths.js";

const DRIVER = "nexus-tasks";
const ATTRIBUTE = `.nexus/tasks.jsonl merge=${DRIVER}`;

/**
 * Registers the tasks.jsonl merge driver (`nexus task merge-driver`, in tasks/merge-driver.ts).
 * git config is not cloned, so opening a project's tasks (openTasks) calls this, and init; when all
 * is in place it reads .gitattributes and .git/config (~0.2 ms) and spawns no git.
 */
export async function ensureMergeDriver(paths: ProjectPaths): Promise<void> {
  const attributes = join(paths.root, ".gitattributes");
  const current = existsSync(attributes) ? readFileSync(attributes, "utf8") : "";
  if (!current.split("\n").includes(ATTRIBUTE)) {
    writeFileSync(attributes, `${current}${current && !current.endsWith("\n") ? "\n" : ""}${ATTRIBUTE}\n`);
  }
  const driver = `"${process.execPath}" "${join(packageRoot(), "dist", "cli.js")}" task merge-driver %O %A %B`;
  // Reading .git/config is cheaper than spawning git on every command; git writes it on a change.
  const configFile = join(paths.gitCommonDir, "config");
  const gitConfig = existsSync(configFile) ? readFileSync(configFile, "utf8") : "";
  if (gitConfig.includes(`[merge "${DRIVER}"]`) && gitConfig.includes(driver.replace(/["\\]/g, "\\$&")))
    return;
  await gitRaw(
    ["config", `merge.${DRIVER}.name`, "Nexus tasks (per task and field, histories unioned)"],
    paths.root,
  );
  await gitRaw(["config", `merge.${DRIVER}.driver`, driver], paths.root);
}
