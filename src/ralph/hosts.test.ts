import { describe, expect, it } from "vitest";
import type { WorkspaceRecord } from "../workspace/store.js";
import { hostPool, pickHost } from "./hosts.js";

const record = (name: string, host?: string) => ({ name, host }) as WorkspaceRecord;

describe("pickHost", () => {
  it("takes the host with the most free capacity, the first listed on a tie", () => {
    expect(
      pickHost([
        { name: "a", limit: 4, used: 3 },
        { name: "b", limit: 2, used: 0 },
      ]),
    ).toBe("b");
    expect(
      pickHost([
        { name: "a", limit: 4, used: 2 },
        { name: "b", limit: 2, used: 0 },
      ]),
    ).toBe("a");
    expect(
      pickHost([
        { name: "a", limit: 8, used: 1 },
        { name: "local", limit: 4, used: 0 },
      ]),
    ).toBe("a");
  });

  it("gives none when every host is full (or over its limit)", () => {
    expect(
      pickHost([
        { name: "a", limit: 1, used: 1 },
        { name: "b", limit: 2, used: 5 },
      ]),
    ).toBeUndefined();
    expect(pickHost([])).toBeUndefined();
  });
});

describe("hostPool", () => {
  it("counts the repository's workspaces on each host and those being made, once each", async () => {
    const records = [record("old", "a"), record("here")];
    const pool = hostPool(
      [
        { name: "a", limit: 2 },
        { name: "local", limit: 2 },
      ],
      () => records,
    );
    // a: 1/2, local: 1/2 → a (first on a tie); then local; both full after.
    expect(await pool.take("w1")).toBe("a");
    expect(await pool.take("w2")).toBeUndefined(); // local: this machine
    records.push(record("w1", "a")); // its record now exists: counted once, not twice
    const waiting = pool.take("w3", AbortSignal.timeout(50));
    await expect(waiting).rejects.toThrow(/waiting for a host with a free slot/);
    pool.release("w2"); // w2 was not made after all: its slot is free again
    expect(await pool.take("w3")).toBeUndefined();
  });

  it("waits for a slot instead of overloading, and tells so once", async () => {
    const records = [record("x", "a")];
    const warnings: string[] = [];
    const report = { info: () => {}, warn: (m: string) => warnings.push(m), debug: () => {} };
    const pool = hostPool([{ name: "a", limit: 1 }], () => records, report);
    const taken = pool.take("y");
    setTimeout(() => records.pop(), 100); // a workspace is destroyed
    expect(await taken).toBe("a");
    expect(warnings).toEqual([expect.stringMatching(/every host is full \(a 1\/1\)/)]);
  }, 15_000);
});
