import { safeJson } from "./visible.js";

/** Exit codes are part of the interface: scripts and agents branch on them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

/**
 * The one path for exit codes that are not Nexus's own: `workspace exec`, `shell` and `use` pass the
 * user's command's exit code through; when it cannot start, or Nexus itself is stopped by a signal,
 * the shell's conventions apply.
 */
export const PassThroughExit = {
  commandNotFound: 127,
  SIGINT: 130,
  SIGTERM: 143,
  /** A command still running when its time ran out: killed, as `kill -9` would report. */
  SIGKILL: 137,
} as const;

/**
 * The error table, as data: every category with its exit code and what it means. An error's exit
 * code is a function of its category only; docs/troubleshooting.md is generated from this table.
 */
export const CATEGORIES = {
  validation: {
    exitCode: ExitCode.usage,
    meaning: "A name, value, option or file the user gave is not acceptable. Nothing was changed.",
  },
  not_found: {
    exitCode: ExitCode.failure,
    meaning: "A workspace, task, template or file that was named does not exist.",
  },
  conflict: {
    exitCode: ExitCode.failure,
    meaning:
      "The operation contradicts the current state: a name in use, a task in the wrong state, a lease held.",
  },
  docker_unavailable: {
    exitCode: ExitCode.failure,
    meaning: "The Docker Engine or Compose v2 cannot be reached or is too old.",
  },
  docker: { exitCode: ExitCode.failure, meaning: "Docker or Compose refused or failed an operation." },
  git: { exitCode: ExitCode.failure, meaning: "A git operation (worktree, branch, merge) failed." },
  port_conflict: {
    exitCode: ExitCode.failure,
    meaning: "No free host port, or a port is taken by another program.",
  },
  config: {
    exitCode: ExitCode.usage,
    meaning: "`.nexus/config.yaml`, a template or a devcontainer.json is invalid.",
  },
  environment: {
    exitCode: ExitCode.failure,
    meaning:
      "The machine refused: the disk is full, the file system is read-only, permission is denied (e.g. in `NEXUS_HOME`), or a tool Nexus needs (ssh-keygen) is missing.",
  },
  timeout: { exitCode: ExitCode.failure, meaning: "Something did not become ready or finish in time." },
  interrupted: {
    exitCode: PassThroughExit.SIGINT,
    meaning: "Ctrl-C stopped the operation; what it ran was stopped and nothing was recorded.",
  },
  sync: { exitCode: ExitCode.failure, meaning: "Uploading telemetry to the configured collector failed." },
  gate_failed: {
    exitCode: ExitCode.failure,
    meaning: "A task's checks failed (recorded in telemetry; the command reports the failing checks).",
  },
  check_failed: {
    exitCode: ExitCode.failure,
    meaning:
      "What the command checks did not pass: `doctor` found a problem, a probe missed a success criterion, a Ralph run left a task not done. The command printed which.",
  },
  internal: {
    exitCode: ExitCode.failure,
    meaning: "Anything else; an error that is not a NexusError prints its stack and asks to be reported.",
  },
} as const satisfies Record<string, { exitCode: number; meaning: string }>;

export type ErrorCategory = keyof typeof CATEGORIES;

export interface NexusErrorOptions {
  hint?: string;
  category?: ErrorCategory;
  cause?: unknown;
}

/** Every user-facing failure: a message saying what went wrong, and a hint saying what to do next. */
export class NexusError extends Error {
  readonly hint?: string;
  readonly category: ErrorCategory;

  constructor(message: string, options: NexusErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "NexusError";
    this.hint = options.hint;
    this.category = options.category ?? "internal";
  }

  /** Set by the category alone (CATEGORIES); read only by the top-level handler. */
  get exitCode(): number {
    return CATEGORIES[this.category].exitCode;
  }
}

/** The user's own command could not start (`workspace exec`, `shell`): exit 127, as a shell does. */
export class CommandNotFoundError extends NexusError {
  override get exitCode(): number {
    return PassThroughExit.commandNotFound;
  }
}

/** Bad input from the user: invalid names, malformed files, unknown options. Exit code 2. */
export class UsageError extends NexusError {
  constructor(message: string, hint?: string) {
    super(message, { hint, category: "validation" });
    this.name = "UsageError";
  }
}

export class NotFoundError extends NexusError {
  constructor(message: string, hint?: string) {
    super(message, { hint, category: "not_found" });
    this.name = "NotFoundError";
  }
}

/**
 * A command that has rendered its outcome itself and ends non-zero (a failed doctor check, a failed
 * gate, a conflict git's merge driver reports, the user's own command's exit code passed through).
 * Thrown, never printed: the top-level handler adds nothing and exits with `exitCode`.
 */
export class ExitStatus extends Error {
  private constructor(
    readonly exitCode: number,
    readonly category?: ErrorCategory,
  ) {
    super(`exit ${exitCode}`);
    this.name = "ExitStatus";
  }

  /** Ends with the exit code of `category` (CATEGORIES). */
  static of(category: ErrorCategory): ExitStatus {
    return new ExitStatus(CATEGORIES[category].exitCode, category);
  }

  /** The user's own command's exit code (`workspace exec`, `shell`, `use`), as it was. */
  static passThrough(code: number): ExitStatus {
    return new ExitStatus(code);
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

const ENVIRONMENT: Record<string, { why: string; hint: string }> = {
  ENOSPC: { why: "the disk is full", hint: "Free some disk space and run the command again." },
  EDQUOT: {
    why: "the disk quota is used up",
    hint: "Free some space within your quota and run the command again.",
  },
  EROFS: {
    why: "the file system is read-only",
    hint: "Nexus writes its state to NEXUS_HOME (default ~/.nexus) and the repository's .nexus/: point NEXUS_HOME at a writable folder, or remount it writable.",
  },
  EACCES: {
    why: "permission denied",
    hint: "Make the folder writable by you (ls -ld it), or point NEXUS_HOME at a folder you own.",
  },
  EPERM: {
    why: "the operation is not permitted",
    hint: "Make the folder writable by you (ls -ld it), or point NEXUS_HOME at a folder you own.",
  },
};

/** SQLite's codes for the same refusals, when a write to .nexus/nexus.db or the telemetry database fails. */
const SQLITE: Record<string, string> = {
  SQLITE_FULL: "ENOSPC",
  SQLITE_READONLY: "EROFS",
  SQLITE_PERM: "EACCES",
};

/** A failed file-system write the machine refused (full, read-only, no permission) as a typed error. */
export function environmentError(error: unknown): NexusError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const sqlite = e?.code?.startsWith("SQLITE_")
    ? SQLITE[e.code.replace(/^(SQLITE_[A-Z]+)_.*$/, "$1")]
    : undefined;
  const known = ENVIRONMENT[sqlite ?? e?.code ?? ""];
  if (!known || !(e?.syscall || sqlite)) return undefined;
  const where = e?.path ? ` ${e.path.length > 200 ? `${e.path.slice(0, 200)}…` : e.path}` : "";
  const what = sqlite ? "write the database" : `${e?.syscall}${where}`;
  return new NexusError(`Cannot ${what}: ${known.why}.`, {
    category: "environment",
    hint: known.hint,
    cause: error,
  });
}
