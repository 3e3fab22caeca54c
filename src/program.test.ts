import { afterEach, describe, expect, it, vi } from "vitest";
import { CATEGORIES, ExitStatus, NexusError } from "./core/errors.js";
import { reportError } from "./program.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the top-level handler", () => {
  it("ends a command that printed its outcome with the code of its category, printing nothing more", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(reportError(ExitStatus.of("check_failed"))).toBe(CATEGORIES.check_failed.exitCode);
    expect(reportError(ExitStatus.of("gate_failed"))).toBe(1);
    expect(reportError(ExitStatus.of("conflict"))).toBe(1);
    expect(reportError(ExitStatus.passThrough(42))).toBe(42);
    expect(ExitStatus.passThrough(42).category).toBeUndefined();
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });

  it("prints a NexusError's message and hint, and anything else as a bug with its stack", () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    expect(
      reportError(new NexusError("No such thing.", { category: "not_found", hint: "Try another." })),
    ).toBe(1);
    expect(lines.splice(0)).toEqual(["error: No such thing.\n", "hint: Try another.\n"]);
    expect(reportError(new TypeError("boom"))).toBe(1);
    expect(lines[0]).toMatch(/^unexpected error: TypeError: boom\n\s+at /);
    expect(lines[1]).toBe("This is a bug in Nexus; please report it with the output above.\n");
  });
});
