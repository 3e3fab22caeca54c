import { randomBytes } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { NexusError } from "./errors.js";

/**
 * Who holds a lock: pid, the process's start time (so a reused pid is not mistaken for the holder)
 * and a random token (so a holder only ever removes its own file).
 */
interface Holder {
  pid: number;
  started: string;
  token: string;
}

/** A process's start time in clock ticks since boot (Linux); "" where /proc is not there. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

const me = (): Holder => ({
  pid: process.pid,
  started: startTime(process.pid),
  token: randomBytes(8).toString("hex"),
});

function readHolder(file: string): Holder | undefined {
  try {
    const [pid, started = "", token = ""] = readFileSync(file, "utf8").trim().split(" ");
    return { pid: Number(pid), started, token };
  } catch {
    return undefined;
  }
}

/** Dead means gone, or a different process now wearing the same pid. A live holder keeps its lock however long it takes. */
function holderDead(holder: Holder): boolean {
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return true;
  }
  const now = startTime(holder.pid);
  return Boolean(holder.started && now && now !== holder.started);
}

/**
 * A cross-process lock: a file created with O_EXCL naming its holder. A lock whose holder died is
 * taken over; one whose holder is alive never is (however old it is).
 */
export function withLock<T>(file: string, fn: () => T, timeoutMs = 15_000): T {
  const deadline = Date.now() + timeoutMs;
  const self = me();
  while (!tryAcquire(file, self, deadline))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
  try {
    return fn();
  } finally {
    release(file, self);
  }
}

/** The same lock around asynchronous work (e.g. `git worktree add`, which is not safe to run concurrently). */
export async function withLockAsync<T>(
  file: string,
  fn: () => Promise<T>,
  timeoutMs = 120_000,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const self = me();
  while (!tryAcquire(file, self, deadline)) {
    if (signal?.aborted)
      throw new NexusError(`Interrupted while waiting for the lock ${file}; nothing was done.`, {
        category: "interrupted",
        hint: "Run the command again when you are ready.",
      });
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
  }
  try {
    return await fn();
  } finally {
    release(file, self);
  }
}

/**
 * The file appears whole or not at all: written under a private name, then hard-linked into place
 * (link fails if the lock exists). An O_EXCL create would show an empty file to a reader for a moment,
 * and an empty file looks like a dead holder.
 */
function create(file: string, holder: Holder): boolean {
  const draft = `${file}.${holder.token}`;
  const fd = openSync(draft, "w", 0o644);
  try {
    writeSync(fd, `${holder.pid} ${holder.started} ${holder.token}\n`);
  } catch (error) {
    // A full disk: no draft left behind, and the error names the lock (a descriptor write names nothing).
    rmSync(draft, { force: true });
    (error as NodeJS.ErrnoException).path ??= file;
    throw error;
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

function tryAcquire(file: string, self: Holder, deadline: number): boolean {
  if (create(file, self)) return true;
  const holder = readHolder(file);
  if (holder && holderDead(holder)) breakDeadLock(file, holder);
  else if (Date.now() > deadline) {
    throw new NexusError(
      `Timed out waiting for the lock ${file}${holder ? ` (held by pid ${holder.pid})` : ""}.`,
      {
        category: "timeout",
        hint: "Another nexus process holds it and is still running; retry when it has finished.",
      },
    );
  }
  return false;
}

/**
 * Removing a dead holder's file is check-then-delete, so breakers take turns under a second lock and
 * check again inside it: a waiter can never delete a lock that a live process has just taken.
 */
function breakDeadLock(file: string, seen: Holder): void {
  const breaker = `${file}.break`;
  const self = me();
  if (!create(breaker, self)) {
    const other = readHolder(breaker);
    const old = Date.now() - (statSafe(breaker) ?? Date.now()) > 5_000;
    if (other && holderDead(other) && old) release(breaker, other);
    return;
  }
  try {
    const now = readHolder(file);
    if (now && now.token === seen.token && holderDead(now)) rmSync(file, { force: true });
  } finally {
    release(breaker, self);
  }
}

function statSafe(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Removes the file only while it is still the given holder's. */
function release(file: string, holder: Holder): void {
  if (readHolder(file)?.token === holder.token) rmSync(file, { force: true });
}
