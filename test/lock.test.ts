import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withLock } from "../src/core/lock.js";
import { tempDir } from "./helpers/fs.js";

const LOCK_JS = new URL("../dist/core/lock.js", import.meta.url).pathname;

/** A worker process: N times, take the lock, check nobody else is inside, bump the counter. */
const WORKER = `
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
const { withLock } = await import(process.argv[1]);
const [dir, rounds] = [process.argv[2], Number(process.argv[3])];
for (let i = 0; i < rounds; i++) {
  withLock(dir + "/the.lock", () => {
    closeSync(openSync(dir + "/inside", "wx"));
    const n = Number(readFileSync(dir + "/count", "utf8"));
    writeFileSync(dir + "/count", String(n + 1));
    rmSync(dir + "/inside");
  }, 60_000);
}
`;

function worker(dir: string, rounds: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", WORKER, LOCK_JS, dir, String(rounds)],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    child.on("close", (code) => resolve(code ?? 1));
  });
}

/** A process that is certainly dead: it ran and exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = execFile("true");
    child.on("close", () => resolve(child.pid!));
  });
}

describe("the cross-process lock", () => {
  it("is taken over from a dead holder by exactly one of many waiters, and never held twice", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "count"), "0");
    writeFileSync(join(dir, "the.lock"), `${await deadPid()} 1 deadbeef\n`);
    const codes = await Promise.all(Array.from({ length: 12 }, () => worker(dir, 40)));
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(readFileSync(join(dir, "count"), "utf8")).toBe(String(12 * 40));
    expect(existsSync(join(dir, "the.lock"))).toBe(false);
  }, 120_000);

  it("is never taken from a live holder, however old its file", () => {
    const dir = tempDir();
    const file = join(dir, "the.lock");
    const stat = readFileSync(`/proc/${process.ppid}/stat`, "utf8");
    const started = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    writeFileSync(file, `${process.ppid} ${started} livetoken\n`);
    utimesSync(file, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    expect(() => withLock(file, () => "taken", 300)).toThrow(
      /Timed out waiting for the lock .* \(held by pid \d+\)/,
    );
    expect(readFileSync(file, "utf8")).toContain("livetoken");
  });

  it("takes over from a reused pid (same pid, another process start time)", () => {
    const dir = tempDir();
    const file = join(dir, "the.lock");
    writeFileSync(file, `${process.pid} 1 oldtoken\n`);
    expect(withLock(file, () => "taken", 2_000)).toBe("taken");
    expect(existsSync(file)).toBe(false);
  });
});
