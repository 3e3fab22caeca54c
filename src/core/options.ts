import { type Argument, Option } from "commander";
import { type ErrorCategory, NexusError, UsageError } from "./errors.js";

/**
 * Commander option parsers shared by every command: a malformed value is a UsageError (exit 2)
 * that names the option, the accepted range and what was given, before the command does anything.
 */
export type OptionParser<T> = (value: string) => T;

const WHOLE = /^\+?\d+$/;
const DECIMAL = /^\+?(\d+(\.\d*)?|\.\d+)$/;

/** What the user typed, short enough for one line (a 100,000-character value is not echoed whole). */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function rejected(name: string, expected: string, value: string, example: number): UsageError {
  return new UsageError(
    `${name} must be ${expected}, got ${shown(value)}.`,
    `For example: ${name} ${example}`,
  );
}

/** A whole number in [min, max]: "abc", "", "-3", "1.5" and "1e12" are refused. */
function integerIn(name: string, range: { min: number; max: number }): OptionParser<number> {
  return (value) => {
    const text = value.trim();
    const n = WHOLE.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= range.min && n <= range.max) return n;
    const example = Math.min(range.max, Math.max(range.min, 10));
    throw rejected(name, `a whole number from ${range.min} to ${range.max}`, value, example);
  };
}

/** 1..max, e.g. --days, --parallel, --max-iterations. */
export function positiveInt(name: string, max: number): OptionParser<number> {
  return integerIn(name, { min: 1, max });
}

/** 0..max, e.g. a priority or a count where zero means something. */
export function nonNegativeInt(name: string, max: number): OptionParser<number> {
  return integerIn(name, { min: 0, max });
}

/** A number greater than 0 and at most max (fractions allowed), e.g. --budget 0.5 (minutes). */
export function positiveNumber(name: string, max: number, unit = ""): OptionParser<number> {
  return (value) => {
    const text = value.trim();
    const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
    if (Number.isFinite(n) && n > 0 && n <= max) return n;
    const upTo = `at most ${max}${unit ? ` ${unit}` : ""}`;
    throw rejected(name, `a number greater than 0 and ${upTo}`, value, Math.min(max, 10));
  };
}

/** A duration in seconds, greater than 0 and at most `max` (a week by default). */
export function seconds(name: string, max = 7 * 86_400): OptionParser<number> {
  return positiveNumber(name, max, "seconds");
}

/** A non-empty value (an empty --agent-cmd "" would silently mean "the default"). */
export function nonEmpty(name: string): OptionParser<string> {
  return (value) => {
    if (value.trim()) return value;
    throw new UsageError(`${name} must not be empty.`, `Give ${name} a value, or leave the option out.`);
  };
}

/**
 * An option or argument that takes one of a few words: commander's `.choices()` lists them in the help
 * and in shell completion; anything else is a UsageError like the parsers above, with an example
 * (an argument's own, e.g. "Example: nexus sync auto on"; an option's is "For example: --format json").
 */
export function oneOf<T extends Option | Argument>(
  target: T,
  values: readonly string[],
  example?: string,
): T {
  const name = target instanceof Option ? (target.long ?? target.name()) : `<${target.name()}>`;
  example ??= `For example: ${target instanceof Option ? `${name} ` : ""}${values[0]}`;
  (target as Option).choices(values).argParser((value: string) => {
    if (values.includes(value)) return value;
    throw new UsageError(`${name} must be one of ${values.join(", ")}, got ${shown(value)}.`, example);
  });
  return target;
}

const PATH_PROBLEMS: Record<string, { why: string; category: ErrorCategory }> = {
  ENOENT: { why: "its folder does not exist", category: "validation" },
  ENOTDIR: { why: "a part of the path is a file, not a folder", category: "validation" },
  EISDIR: { why: "it is a folder", category: "validation" },
  ENAMETOOLONG: { why: "the name is too long", category: "validation" },
  EACCES: { why: "permission denied", category: "validation" },
  EPERM: { why: "permission denied", category: "validation" },
  EROFS: { why: "the file system is read-only", category: "validation" },
  ENOSPC: { why: "the disk is full", category: "environment" },
};

/**
 * Turns a failed write of a file the user named (-o, --html, --to) into a NexusError that names
 * the path and what to do (`example`: a command line that would work); other errors are rethrown.
 */
export function explainWriteError(error: unknown, path: string, example: string): never {
  const code = (error as NodeJS.ErrnoException)?.code ?? "";
  const problem = PATH_PROBLEMS[code];
  if (!problem) throw error;
  const named = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  throw new NexusError(`Cannot write ${named}: ${problem.why}.`, {
    hint:
      code === "ENOSPC"
        ? "Free some disk space and run the command again."
        : `Choose a path in an existing folder you can write to, e.g. ${example}`,
    category: problem.category,
    cause: error,
  });
}

/** writeFileSync for a path the user named: failures become a NexusError naming the path. */
export async function writeUserFile(path: string, data: string, example: string): Promise<void> {
  const { writeFileSync } = await import("node:fs");
  try {
    writeFileSync(path, data);
  } catch (error) {
    explainWriteError(error, path, example);
  }
}
