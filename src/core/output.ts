import pc from "picocolors";
import type { Report } from "./report.js";
import { safeJson, terminalSafe, visible } from "./visible.js";

export { oneLine, visible } from "./visible.js";

/** Colours only on a TTY and never with NO_COLOR; picocolors' own detection checks stdout only. */
const colorEnabled = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
const colors = pc.createColors(colorEnabled);

export const style = {
  ok: (s: string) => colors.green(s),
  warn: (s: string) => colors.yellow(s),
  error: (s: string) => colors.red(s),
  dim: (s: string) => colors.dim(s),
  bold: (s: string) => colors.bold(s),
};

/** Every writer's last step: nothing but Nexus's own colours may drive the terminal (see visible.ts). */
const safe = (text: string) => terminalSafe(text, { multiline: true, keepStyle: colorEnabled });
const safeCell = (text: string) => terminalSafe(text, { multiline: false, keepStyle: colorEnabled });

let quiet = false;
let verbose = false;

export function setOutputMode(mode: { quiet?: boolean; verbose?: boolean }): void {
  quiet = Boolean(mode.quiet);
  verbose = Boolean(mode.verbose);
}

/** With `-v`: tools' own output (Compose's build log) is shown in full. */
export function isVerbose(): boolean {
  return verbose;
}

/** Human progress and logs go to stderr so stdout stays clean for --json and `path`. */
export function info(message: string): void {
  if (!quiet) process.stderr.write(`${safe(message)}\n`);
}

export function debug(message: string): void {
  if (verbose) process.stderr.write(`${style.dim(safe(message))}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${style.warn("warning:")} ${safe(message)}\n`);
}

export function success(message: string): void {
  info(`${style.ok("✔")} ${message}`);
}

export function printLine(text: string): void {
  process.stdout.write(`${safe(text)}\n`);
}

/** Exact: parsing it gives the same values; C1 and bidi characters are escaped as JSON already does C0. */
export function printJson(data: unknown): void {
  process.stdout.write(`${safeJson(data)}\n`);
}

/** A NexusError as the top-level handler shows it: messages quote what was given, shown, never obeyed. */
export function printError(error: { message: string; hint?: string }): void {
  process.stderr.write(`${style.error("error:")} ${visible(error.message, { multiline: true })}\n`);
  if (error.hint) process.stderr.write(`${style.dim("hint:")} ${visible(error.hint, { multiline: true })}\n`);
}

/** The last-resort report of anything that is not a NexusError: its stack, to be reported as a bug. */
export function printUnexpected(error: unknown): void {
  const detail = (error as Error)?.stack ?? String(error);
  process.stderr.write(`${style.error("unexpected error:")} ${visible(detail, { multiline: true })}\n`);
  process.stderr.write("This is a bug in Nexus; please report it with the output above.\n");
}

export type Column<T> = { header: string; value: (row: T) => string | number };

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const visibleLength = (text: string) =>
  text.includes("\u001b") ? text.replace(ANSI, "").length : text.length;

/**
 * Aligned columns separated by two spaces; every cell is one line (a newline in a title is shown as
 * `\n`), so one row is always one record. Hand-rolled on purpose: cli-table3 took 3.4 s to
 * lay out 10,000 rows, and `task list` must answer in well under a second.
 */
export async function printTable<T>(rows: T[], columns: Column<T>[]): Promise<void> {
  const cells = rows.map((row) => columns.map((c) => safeCell(String(c.value(row)))));
  const header = columns.map((c) => style.bold(c.header));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
  const render = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleLength(cell))))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[header, ...cells].map(render).join("\n")}\n`);
}

/** A duration for people: "1.5 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** The Report (src/core/report.ts) that commands hand to capabilities: it prints as the helpers above do. */
export const printer: Report = { info, warn, debug, output: process.stderr };
