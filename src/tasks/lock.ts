import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { NexusError } from "../core/errors.js";

const STALE_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, "utf8"));
    return !alive(pid) || Date.now() - statSync(file).mtimeMs > STALE_MS;
  } catch {
    return false;
  }
}

/**
 * A cross-process lock: a file created with O_EXCL holding our pid. A lock left by a dead
 * process (or older than 30 s) is taken over, so a crash never blocks the project.
 */
export function withLock<T>(file: string, fn: () => T, timeoutMs = 15_000): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (isStale(file)) rmSync(file, { force: true });
      else if (Date.now() > deadline) {
        throw new NexusError(`Timed out waiting for the task lock ${file}.`, {
          category: "timeout",
          hint: "Another nexus process is writing tasks; retry, or delete the lock file if no nexus is running.",
        });
      } else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}
