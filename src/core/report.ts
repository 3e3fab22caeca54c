import type { Writable } from "node:stream";

/**
 * How a capability tells its caller what is happening without printing: it calls `report.info`,
 * `report.warn` or `report.debug`, and the caller decides. Commands pass `printer` (src/core/output.ts
 * renders it on stderr); MCP passes `silentReport` (stdio is its protocol channel) or a collector.
 */
export interface Report {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /**
   * Where the output of a command Nexus runs on the user's behalf goes (post-create commands):
   * commands pass stderr, so stdout stays clean for --json; absent, that output is dropped.
   */
  output?: Writable;
}

const nothing = () => {};

/** For callers that show nothing: MCP tools, probes that measure, tests. */
export const silentReport: Report = { info: nothing, warn: nothing, debug: nothing };

/** Keeps every message, e.g. to return warnings as data. */
export function collectingReport(): Report & { messages: { level: keyof Report; message: string }[] } {
  const messages: { level: keyof Report; message: string }[] = [];
  const keep = (level: keyof Report) => (message: string) => void messages.push({ level, message });
  return { messages, info: keep("info"), warn: keep("warn"), debug: keep("debug") };
}

let diagnostics: Report = silentReport;

/** Where `-v` diagnostics of work no command waits on (telemetry, the trash, Compose timings) go: program.ts sets the printer. */
export function setDiagnostics(report: Report): void {
  diagnostics = report;
}

/** A diagnostic for `-v`: shown only where the program has set a Report (see setDiagnostics). */
export function diagnose(message: string): void {
  diagnostics.debug(message);
}

/** A warning from work no command waits on (a corrupt telemetry database rebuilt): shown where diagnostics are. */
export function warnBackground(message: string): void {
  diagnostics.warn(message);
}
