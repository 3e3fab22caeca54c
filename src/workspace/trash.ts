import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomic } from "../core/atomic.js";
import { ExitCode, NexusError } from "../core/errors.js";
import { diagnose } from "../core/report.js";

/** Ignores itself and everything beside it, in repositories initialised before the trash existed. */
const SELF_IGNORE = ".gitignore";

/** A deletion that has not ended after this long is given up; the next destroy or prune resumes it. */
const TRASH_DELETE_TIMEOUT_MS = 10 * 60_000;

/**
 * `.nexus/trash`: folders Nexus moved out of the way (destroyed worktrees) and deletes in the
 * background. Only what Nexus renamed into it ever lives there.
 */
export function trashDir(root: string): string {
  return join(root, ".nexus", "trash");
}

/** Makes the trash (a real folder, never a link) or throws before anything is changed. */
export function ensureTrash(root: string): string {
  const trash = trashDir(root);
  mkdirSync(trash, { recursive: true });
  if (!lstatSync(trash).isDirectory()) {
    throw new NexusError(`${trash} is not a folder (a link?), so Nexus will not move anything into it.`, {
      category: "validation",
      hint: `Remove it (rm ${trash}); Nexus recreates it as a folder of its own.`,
    });
  }
  const ignore = join(trash, SELF_IGNORE);
  if (!existsSync(ignore)) writeAtomic(ignore, "*\n");
  return trash;
}

/**
 * Moves a folder into the trash in one rename (no file is read or deleted on the way). Returns false,
 * changing nothing, when the folder is on another filesystem than the trash and cannot be renamed.
 */
export function moveToTrash(root: string, path: string, label: string): boolean {
  const holder = mkdtempSync(join(ensureTrash(root), `${label}-`));
  try {
    renameSync(path, join(holder, "tree"));
    return true;
  } catch (error) {
    rmdirSync(holder);
    if ((error as NodeJS.ErrnoException).code === "EXDEV") return false;
    throw error;
  }
}

/** What waits in the trash: left by a deletion that is still running, or one that crashed. */
export function trashEntries(root: string): string[] {
  const trash = trashDir(root);
  if (!lstatSync(trash, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(trash).filter((entry) => !entry.startsWith(SELF_IGNORE));
}

/** Empties the trash now, for `workspace prune`: returns the entries deleted (rm never follows a link). */
export async function emptyTrash(root: string): Promise<string[]> {
  const entries = trashEntries(root);
  const removed: string[] = [];
  for (const entry of entries) {
    const target = join(trashDir(root), entry);
    await rm(target, { recursive: true, force: true, maxRetries: 2 }).catch((error: Error) =>
      diagnose(`could not delete ${target}: ${error.message}`),
    );
    if (!existsSync(target)) removed.push(entry);
  }
  return removed;
}

/**
 * Runs in its own detached process: removes every entry of the trash with fs.rm, which unlinks
 * symbolic links instead of following them, and ends by itself after the timeout.
 */
const WORKER = `
const fs = require("node:fs");
const path = require("node:path");
const [trash, limit] = process.argv.slice(1);
setTimeout(() => process.exit(${ExitCode.failure}), Number(limit)).unref();
(async () => {
  if (!fs.lstatSync(trash, { throwIfNoEntry: false })?.isDirectory()) return;
  for (const entry of fs.readdirSync(trash)) {
    if (entry.startsWith(${JSON.stringify(SELF_IGNORE)})) continue;
    await fs.promises.rm(path.join(trash, entry), { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
  }
})();
`;

/**
 * Empties the trash in a detached background process that outlives this command; returns the entries
 * it was started for (none: no process). Never waits, never throws.
 */
export function emptyTrashInBackground(root: string): string[] {
  const entries = trashEntries(root);
  if (entries.length === 0) return [];
  try {
    const child = spawn(process.execPath, ["-e", WORKER, trashDir(root), String(TRASH_DELETE_TIMEOUT_MS)], {
      cwd: trashDir(root),
      detached: true,
      stdio: "ignore",
      windowsHide: true,
    });
    child.on("error", (error) => diagnose(`emptying ${trashDir(root)} could not start: ${error.message}`));
    child.unref();
  } catch (error) {
    diagnose(`emptying ${trashDir(root)} could not start: ${(error as Error).message}`);
  }
  return entries;
}
