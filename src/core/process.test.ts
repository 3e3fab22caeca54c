import { describe, expect, it } from "vitest";
import { run } from "./process.js";

describe("run", () => {
  it("survives a child that exits without reading its input (EPIPE)", async () => {
    // 8 MB cannot fit in a pipe buffer: the write fails with EPIPE once `true` has exited.
    const results = await Promise.all(
      Array.from({ length: 5 }, () => run("true", [], { input: "y\n".repeat(4 * 1024 * 1024) })),
    );
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 0]);
  });

  it("passes input to a child that reads it", async () => {
    const result = await run("cat", [], { input: "hello" });
    expect(result).toMatchObject({ stdout: "hello", exitCode: 0 });
  });

  it("rejects when the program does not exist", async () => {
    await expect(run("no-such-program-nexus", [])).rejects.toThrow(/ENOENT/);
  });
});
