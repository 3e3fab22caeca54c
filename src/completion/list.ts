import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type ListKind = "workspaces" | "tasks" | "templates";
export const LIST_KINDS: ListKind[] = ["workspaces", "tasks", "templates"];

/** The project folder a completion reads: the nearest folder upwards that has a .nexus folder. */
function nearestProject(cwd: string): string | undefined {
  for (let dir = cwd; ; ) {
    if (existsSync(join(dir, ".nexus"))) return dir;
    const parent = join(dir, "..");
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function folders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && !entry.name.startsWith("_"))
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Task ids from tasks.jsonl, by a cheap scan of each line's "id" (no parse of the whole task). */
function taskIds(file: string): string[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (const match of text.matchAll(/^\{"id":"([^"\\]{1,32})"/gm)) ids.push(match[1]!);
  return ids;
}

/**
 * Names for completion, read cheaply from the repository: workspaces are the worktree folders,
 * tasks the ids in tasks.jsonl, templates the built-in and project template folders. A worktree
 * has its own .nexus (from git), so inside one the main checkout's worktrees are found too.
 */
export function listNames(kind: ListKind, cwd: string, builtinTemplates: string): string[] {
  const root = nearestProject(cwd);
  const main =
    root && /[/\\]\.nexus[/\\]worktrees[/\\][^/\\]+$/.test(root) ? join(root, "..", "..", "..") : root;
  if (kind === "templates") {
    const own = main ? folders(join(main, ".nexus", "templates")) : [];
    return [...new Set([...folders(builtinTemplates), ...own, "devcontainer", "compose", "none"])].sort();
  }
  if (!main) return [];
  if (kind === "workspaces") return folders(join(main, ".nexus", "worktrees")).sort();
  return taskIds(join(root!, ".nexus", "tasks.jsonl"));
}
