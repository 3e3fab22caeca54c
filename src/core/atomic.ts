import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Temp file + rename, for every file Nexus writes outside git: a crash, a full disk or a read-only
 * folder leaves the old file or the new one, never half of one (and no temp file behind).
 */
export function writeAtomic(file: string, text: string | Buffer, mode?: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, mode === undefined ? undefined : { mode });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
