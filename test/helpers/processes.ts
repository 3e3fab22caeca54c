import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";

/** A check that sleeps for a length no other process uses, so it is found by its command line. */
export const uniqueSleep = () => `sleep ${300 + randomInt(1, 99_999) / 100_000}`;

/** Whether a process on the host has `pattern` in its command line. */
export function runningOnHost(pattern: string): boolean {
  try {
    execFileSync("pgrep", ["-f", pattern]);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `ms` pass; returns its last answer. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !(await check())) await new Promise((r) => setTimeout(r, 100));
  return check();
}
