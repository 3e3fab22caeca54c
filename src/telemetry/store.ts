import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Db, migrate } from "../core/db.js";
import { nexusHome } from "../core/paths.js";

const MIGRATIONS = [
  `CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     ts TEXT NOT NULL,
     session_id TEXT NOT NULL,
     command TEXT NOT NULL,
     duration_ms REAL NOT NULL,
     success INTEGER NOT NULL,
     exit_code INTEGER NOT NULL,
     error_category TEXT,
     workspace_hash TEXT,
     task_hash TEXT,
     template TEXT,
     services_count INTEGER,
     ports_count INTEGER,
     nexus_version TEXT NOT NULL,
     raw_data TEXT
   );
   CREATE INDEX events_by_ts ON events (ts);
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     source TEXT NOT NULL,
     started_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL,
     commands INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX sessions_by_source ON sessions (source, last_seen_at);
   CREATE TABLE patterns (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     subject TEXT NOT NULL,
     description TEXT NOT NULL,
     suggestion TEXT NOT NULL,
     frequency INTEGER NOT NULL,
     first_seen TEXT NOT NULL,
     last_seen TEXT NOT NULL
   );
   CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export function telemetryFile(): string {
  return join(nexusHome(), "telemetry.db");
}

/** ~/.nexus/telemetry.db (NEXUS_HOME moves it). Opened lazily: only commands that record or report. */
export async function openTelemetry(): Promise<Db> {
  const { default: Database } = await import("better-sqlite3");
  mkdirSync(nexusHome(), { recursive: true, mode: 0o700 });
  const db = new Database(telemetryFile(), { timeout: 200 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  migrate(db, MIGRATIONS);
  return db;
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

export interface EventRow {
  id: number;
  ts: string;
  session_id: string;
  command: string;
  duration_ms: number;
  success: number;
  exit_code: number;
  error_category: string | null;
  workspace_hash: string | null;
  task_hash: string | null;
  template: string | null;
  services_count: number | null;
  ports_count: number | null;
  nexus_version: string;
  raw_data: string | null;
}

/** The columns stats and insights read. Selecting only these is 3× faster than SELECT * on 100k rows. */
export type StatEvent = Pick<
  EventRow,
  "ts" | "command" | "duration_ms" | "success" | "error_category" | "template"
>;

/**
 * Events since a time. Events are appended in time order, so the first matching id (found through
 * the ts index) starts a plain rowid range scan instead of 100k index lookups.
 */
export function eventsSince(db: Db, since: string): StatEvent[] {
  const first = db.prepare("SELECT MIN(id) FROM events WHERE ts >= ?").pluck().get(since) as number | null;
  if (first === null) return [];
  // Raw arrays, then plain objects: half the cost of letting the driver build the objects.
  const rows = db
    .prepare(
      "SELECT ts, command, duration_ms, success, error_category, template FROM events WHERE id >= ? AND ts >= ? ORDER BY id",
    )
    .raw()
    .all(first, since) as [string, string, number, number, string | null, string | null][];
  return rows.map(([ts, command, duration_ms, success, error_category, template]) => ({
    ts,
    command,
    duration_ms,
    success,
    error_category,
    template,
  }));
}

export interface SessionRow {
  id: string;
  source: string;
  started_at: string;
  last_seen_at: string;
  commands: number;
}
