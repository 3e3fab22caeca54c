import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { NexusError } from "./errors.js";

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
  while (!tryAcquire(file, deadline))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/** The same lock around asynchronous work (e.g. `git worktree add`, which is not safe to run concurrently). */
export async function withLockAsync<T>(file: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(file, deadline)) await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function tryAcquire(file: string, deadline: number): boolean {
  try {
    const fd = openSync(file, "wx");
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (isStale(file)) rmSync(file, { force: true });
    else if (Date.now() > deadline) {
      throw new NexusError(`Timed out waiting for the lock ${file}.`, {
        category: "timeout",
        hint: "Another nexus process holds it; retry, or delete the lock file if no nexus is running.",
      });
    }
    return false;
  }
}
