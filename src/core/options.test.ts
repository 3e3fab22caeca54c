import { describe, expect, it } from "vitest";
import { NexusError, UsageError } from "./errors.js";
import {
  explainWriteError,
  nonEmpty,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  seconds,
} from "./options.js";

const refusal = (fn: () => unknown): UsageError => {
  try {
    fn();
  } catch (error) {
    return error as UsageError;
  }
  throw new Error("expected a refusal");
};

describe("option parsers", () => {
  it("positiveInt takes whole numbers in range and refuses everything else with the option's name", () => {
    const days = positiveInt("--days", 3650);
    expect(days("30")).toBe(30);
    expect(days(" 7 ")).toBe(7);
    expect(days("3650")).toBe(3650);
    for (const bad of ["abc", "", "-3", "0", "1.5", "1e12", "3651", "0x10", "Infinity"]) {
      const error = refusal(() => days(bad));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`--days must be a whole number from 1 to 3650, got ${JSON.stringify(bad)}.`);
    }
  });

  it("nonNegativeInt takes zero", () => {
    expect(nonNegativeInt("--min", 100)("0")).toBe(0);
    expect(refusal(() => nonNegativeInt("--min", 100)("-1")).message).toContain("from 0 to 100");
  });

  it("positiveNumber and seconds take fractions greater than zero", () => {
    expect(positiveNumber("--budget", 60, "minutes")("0.001")).toBe(0.001);
    expect(seconds("--timeout")("90")).toBe(90);
    expect(refusal(() => seconds("--timeout")("0")).message).toBe(
      '--timeout must be a number greater than 0 and at most 604800 seconds, got "0".',
    );
    expect(refusal(() => positiveNumber("--hours", 10)("NaN")).message).toContain('got "NaN"');
  });

  it("shortens a huge value in the message", () => {
    const message = refusal(() => positiveInt("--n", 5)("9".repeat(100_000))).message;
    expect(message.length).toBeLessThan(120);
  });

  it("nonEmpty refuses an empty or blank value", () => {
    expect(nonEmpty("--agent-cmd")("codex exec")).toBe("codex exec");
    expect(refusal(() => nonEmpty("--agent-cmd")("  ")).message).toBe("--agent-cmd must not be empty.");
  });
});

describe("explainWriteError", () => {
  const fail = (code: string) =>
    refusal(() => explainWriteError(Object.assign(new Error(code), { code }), "/x/y", "-o out.csv"));

  it("turns file-system errors into NexusErrors that name the path", () => {
    expect(fail("ENOENT")).toBeInstanceOf(NexusError);
    expect(fail("ENOENT").message).toBe("Cannot write /x/y: its folder does not exist.");
    expect(fail("EACCES").message).toContain("permission denied");
    expect(fail("ENOTDIR").exitCode).toBe(2);
    expect(fail("ENOSPC").exitCode).toBe(1);
    expect(fail("ENOSPC").hint).toContain("disk space");
  });

  it("rethrows anything else unchanged", () => {
    const odd = new Error("odd");
    expect(refusal(() => explainWriteError(odd, "/x", "-o x"))).toBe(odd);
  });
});
