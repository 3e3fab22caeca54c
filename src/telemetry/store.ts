import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Db, migrate, openOrRebuild } from "../core/db.js";
import { nexusHome } from "../core/paths.js";
import { silentReport, warnBackground } from "../core/report.js";
import { keyedHash } from "./key.js";
import { type Outcome, storedOutcome } from "./outcome.js";
import { MIGRATIONS, NOTABLE } from "./schema.js";

export function telemetryFile(): string {
  return join(nexusHome(), "telemetry.db");
}

/**
 * ~/.nexus/telemetry.db (NEXUS_HOME moves it). Opened lazily: only commands that record or report.
 * It holds the user's own history and nothing else needs it: a corrupt file is moved aside (one
 * warning) and the command goes on with a new one.
 */
export async function openTelemetry(): Promise<Db> {
  const { default: Database } = await import("better-sqlite3");
  mkdirSync(nexusHome(), { recursive: true, mode: 0o700 });
  const open = (file: string): Db => {
    const db = new Database(file, { timeout: 200 });
    try {
      prepare(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  };
  return openOrRebuild(telemetryFile(), open, { ...silentReport, warn: warnBackground });
}

function prepare(db: Db): void {
  db.pragma("journal_mode = WAL");
  // Recording must not slow the user's command: no fsync (≈ 20 ms a command on a disk). An OS crash
  // can lose the last events; a database left unreadable is moved aside and rebuilt.
  db.pragma("synchronous = OFF");
  // Used by the migration that re-keys the plain SHA-256 hashes older versions stored.
  db.function("nexus_rekey", { deterministic: true }, (hash: unknown) =>
    typeof hash === "string" ? keyedHash(`sha256:${hash}`) : null,
  );
  migrate(db, MIGRATIONS);
}

export function getSetting(db: Db, key: string): string | undefined {
  return db.prepare("SELECT value FROM settings WHERE key = ?").pluck().get(key) as string | undefined;
}

export function setSetting(db: Db, key: string, value: string | undefined): void {
  if (value === undefined) db.prepare("DELETE FROM settings WHERE key = ?").run(key);
  else db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)").run(key, value);
}

/**
 * `telemetry off` lives in a small file beside the database as well as in its settings, so
 * `telemetry purge` (which deletes the database) cannot silently turn recording back on.
 */
export function offFlagFile(): string {
  return join(nexusHome(), "telemetry.off");
}

export function isEnabled(db: Db): boolean {
  return !existsSync(offFlagFile()) && getSetting(db, "enabled") !== "0";
}

export function setRecording(db: Db, on: boolean): void {
  setSetting(db, "enabled", on ? "1" : "0");
  if (on) rmSync(offFlagFile(), { force: true });
  else writeOffFlag();
}

export function writeOffFlag(): void {
  mkdirSync(nexusHome(), { recursive: true, mode: 0o700 });
  writeFileSync(offFlagFile(), "Telemetry recording is off (`nexus telemetry on` turns it on).\n");
}

type EventType = "command" | "workspace" | "task" | "error";

export interface EventRow {
  id: number;
  timestamp: string;
  session_id: string;
  event_type: EventType;
  action: string | null;
  command: string;
  duration_ms: number;
  success: number;
  exit_code: number;
  error_category: string | null;
  /** Null on domain and error events; see outcome.ts. */
  outcome?: Outcome | null;
  workspace_hash: string | null;
  task_hash: string | null;
  template_used: string | null;
  services_count: number | null;
  ports_used: number | null;
  nexus_version: string;
  raw_data: string | null;
}

/** The columns stats and insights read (`ts` is the `timestamp` column, `template` is `template_used`). */
export interface StatEvent {
  ts: string;
  command: string;
  duration_ms: number;
  success: number;
  error_category: string | null;
  /** What the command's end was (`outcomeOfEvent`): only `failed` counts against Nexus's failure rate. */
  outcome?: Outcome;
  template: string | null;
  session_id?: string;
}

/**
 * Commands since a time, oldest first (domain events are read by `domainEventsSince`): what the JS
 * figures (`commandFigures`, `computeInsights`) take. The commands count in SQLite (stats-sql.ts,
 * insights-sql.ts); the tests read these to check they count the same. Raw arrays, then plain objects:
 * half the cost of letting the driver build the objects.
 */
export function eventsSince(db: Db, since: string): StatEvent[] {
  const rows = db
    .prepare(
      `SELECT timestamp, command, duration_ms, success, error_category, outcome, template_used FROM events
       WHERE timestamp >= ? AND event_type = 'command' ORDER BY id`,
    )
    .raw()
    .all(since) as [string, string, number, number, string | null, string | null, string | null][];
  // session_id is left out: reading it costs a third more; `sessionsByCategory` counts them.
  return rows.map(([ts, command, duration_ms, success, error_category, outcome, template]) => ({
    ts,
    command,
    duration_ms,
    success,
    error_category,
    outcome: storedOutcome(outcome, success),
    template,
  }));
}

/** Distinct sessions each error category was seen in since a time (any event type: read from `events_notable`). */
export function sessionsByCategory(db: Db, since: string): Map<string, number> {
  const rows = db
    .prepare(
      `SELECT error_category, COUNT(DISTINCT session_id) FROM events
       WHERE event_type IN ('command', 'workspace', 'task', 'error') AND timestamp >= ?
         AND error_category IS NOT NULL AND ${NOTABLE} GROUP BY error_category`,
    )
    .raw()
    .all(since) as [string, number][];
  return new Map(rows);
}

/** A task, workspace or error event: what happened, whichever command or tool caused it. */
export interface DomainEvent {
  id: number;
  ts: string;
  type: EventType;
  action: string | null;
  subject: string | null;
  template: string | null;
  duration_ms: number;
  error_category: string | null;
  raw_data: string | null;
}

/**
 * A read of a window, kept for the next caller in the same command (`dashboard`'s stats and insights):
 * events are only ever appended, so the window and the last id tell whether it is still current.
 */
export function readOnce<T>(
  cache: WeakMap<Db, { key: string; value: T }>,
  db: Db,
  since: string,
  read: () => T,
): T {
  const key = `${since} ${db.prepare("SELECT MAX(id) FROM events").pluck().get()}`;
  const seen = cache.get(db);
  if (seen?.key === key) return seen.value;
  const value = read();
  cache.set(db, { key, value });
  return value;
}

const domainRead = new WeakMap<Db, { key: string; value: DomainEvent[] }>();

/** Task, workspace and error events since a time, oldest first (raw arrays, then objects: a third faster). */
export function domainEventsSince(db: Db, since: string): DomainEvent[] {
  return readOnce(domainRead, db, since, () => readDomainEvents(db, since));
}

function readDomainEvents(db: Db, since: string): DomainEvent[] {
  const rows = db
    .prepare(
      `SELECT id, timestamp, event_type, action, COALESCE(task_hash, workspace_hash), template_used, duration_ms,
         error_category, raw_data
       FROM events WHERE event_type IN ('workspace', 'task', 'error') AND timestamp >= ? ORDER BY id`,
    )
    .raw()
    .all(since) as [
    number,
    string,
    EventType,
    string | null,
    string | null,
    string | null,
    number,
    string | null,
    string | null,
  ][];
  return rows.map(([id, ts, type, action, subject, template, duration_ms, error_category, raw_data]) => ({
    id,
    ts,
    type,
    action,
    subject,
    template,
    duration_ms,
    error_category,
    raw_data,
  }));
}

export interface SessionRow {
  session_id: string;
  source: string;
  started_at: string;
  last_seen_at: string;
  ended_at: string | null;
  duration_ms: number;
  commands_executed: number;
  workspaces_created: number;
  tasks_completed: number;
  errors_encountered: number;
  user_feedback: string | null;
}
