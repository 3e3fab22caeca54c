import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Temp file + rename, for every file Nexus writes outside git: a crash, a full disk or a read-only
 * folder leaves the old file or the new one, never half of one (and no temp file behind).
 */
export function writeAtomic(file: string, text: string | Buffer, mode?: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    // A temp file a crashed process of the same pid left keeps its old mode: start from none.
    rmSync(temp, { force: true });
    writeFileSync(temp, text, mode === undefined ? undefined : { mode });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    // A write through a descriptor names no file: name it, so the error can say which.
    const e = error as NodeJS.ErrnoException;
    if (e && typeof e === "object" && !e.path) e.path = file;
    throw error;
  }
}

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT on a read-only file
 * system; the nearest existing folder then tells EROFS or EACCES.
 */
export function ensureDir(dir: string, mode?: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    let parent = dirname(dir);
    while (!existsSync(parent) && parent !== dirname(parent)) parent = dirname(parent);
    accessSync(parent, constants.W_OK);
    throw error;
  }
}
