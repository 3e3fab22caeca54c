import { closeSync, constants, lstatSync, mkdirSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { NexusError } from "./errors.js";

/**
 * Host writes into a folder a container can change (a worktree). A link planted there (`.env`, or a
 * whole folder, pointing at ~/.bashrc) must never lead a host write outside: every component of the
 * path is checked without following links, and the file is made afresh with O_EXCL|O_NOFOLLOW.
 */

/** Whether `rel` under `root` reaches only real folders and, at the end, no link (missing parts are fine). */
export function linkFree(root: string, rel: string): boolean {
  const parts = rel.split(/[\\/]/).filter(Boolean);
  if (parts.includes("..")) return false;
  let path = root;
  for (const part of parts) {
    path = join(path, part);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) return true;
    if (stat.isSymbolicLink()) return false;
  }
  return true;
}

/**
 * Makes `dir` (relative to `root`) a chain of real folders: a link or a file in the way, which only a
 * container could have put there, is removed (it lives inside `root`), never followed.
 */
function realFolders(root: string, dir: string): string {
  let path = root;
  for (const part of dir.split(/[\\/]/).filter(Boolean)) {
    path = join(path, part);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) rmSync(path, { force: true });
    if (!stat?.isDirectory()) mkdirSync(path);
  }
  return path;
}

/** Writes a new file at `root/rel`, replacing whatever was there without following any link. */
export function writeInside(root: string, rel: string, content: string): string {
  const at = relative(root, join(root, rel));
  if (at.startsWith("..") || at.split(sep).includes(".."))
    throw new NexusError(`${rel} is not inside ${root}.`, { category: "internal" });
  const parts = at.split(sep);
  const dir = realFolders(root, parts.slice(0, -1).join(sep));
  const file = join(dir, parts.at(-1)!);
  try {
    unlinkSync(file);
  } catch {
    // not there
  }
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return file;
}
