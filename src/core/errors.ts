import { safeJson } from "./visible.js";

/** Exit codes are part of the interface: scripts and agents branch on them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

export type ErrorCategory =
  | "validation"
  | "not_found"
  | "conflict"
  | "docker_unavailable"
  | "docker"
  | "git"
  | "port_conflict"
  | "config"
  | "timeout"
  | "sync"
  | "gate_failed"
  | "internal";

export interface NexusErrorOptions {
  hint?: string;
  exitCode?: number;
  category?: ErrorCategory;
  cause?: unknown;
}

/** Every user-facing failure: a message saying what went wrong, and a hint saying what to do next. */
export class NexusError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  readonly category: ErrorCategory;

  constructor(message: string, options: NexusErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "NexusError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.category = options.category ?? "internal";
  }
}

/** Bad input from the user: invalid names, malformed files, unknown options. Exit code 2. */
export class UsageError extends NexusError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.usage, category: "validation" });
    this.name = "UsageError";
  }
}

export class NotFoundError extends NexusError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.failure, category: "not_found" });
    this.name = "NotFoundError";
  }
}

export function isNexusError(error: unknown): error is NexusError {
  return error instanceof NexusError;
}

const SHOWN = 60;

/** A bad value as it may appear in an error: at most ~60 characters, one line, with its real length. */
export function preview(value: string): string {
  const oneLine = value.replace(/[\r\n\t]/g, " ");
  if (oneLine.length <= SHOWN) return safeJson(oneLine);
  return `${safeJson(`${oneLine.slice(0, SHOWN)}…`)} (${value.length} characters)`;
}
