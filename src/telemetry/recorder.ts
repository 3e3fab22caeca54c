import { createHash } from "node:crypto";
import type { Db } from "../core/db.js";
import { debug } from "../core/output.js";
import { isEnabled, openTelemetry } from "./store.js";

/** What capability code may add to the current command's event (e.g. workspace creation stages). */
type Extra = {
  template?: string;
  services?: number;
  ports?: number;
  errorCategory?: string;
  raw?: Record<string, unknown>;
};
const extra: Extra & { raw: Record<string, unknown> } = { raw: {} };

export function noteTelemetry(data: Extra): void {
  if (data.errorCategory !== undefined) extra.errorCategory = data.errorCategory;
  if (data.template !== undefined) extra.template = data.template;
  if (data.services !== undefined) extra.services = data.services;
  if (data.ports !== undefined) extra.ports = data.ports;
  Object.assign(extra.raw, data.raw ?? {});
}

export function hashName(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

const IDLE_MS = 30 * 60 * 1000;

export interface CommandRecord {
  command: string;
  durationMs: number;
  exitCode: number;
  errorCategory?: string;
  workspace?: string;
  task?: string;
  template?: string;
  version: string;
}

/**
 * Records one command. Never throws and never makes a command fail: a broken or locked database
 * is skipped with a warning under --verbose. Names are stored only as SHA-256 hashes.
 */
export async function recordCommand(record: CommandRecord, now = new Date()): Promise<void> {
  let db: Db | undefined;
  try {
    db = await openTelemetry();
    if (!isEnabled(db)) return;
    const session = touchSession(db, now);
    db.prepare(
      `INSERT INTO events (ts, session_id, command, duration_ms, success, exit_code, error_category, workspace_hash,
         task_hash, template, services_count, ports_count, nexus_version, raw_data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      now.toISOString(),
      session,
      record.command,
      Math.round(record.durationMs * 10) / 10,
      record.exitCode === 0 ? 1 : 0,
      record.exitCode,
      extra.errorCategory ?? record.errorCategory ?? null,
      record.workspace ? hashName(record.workspace) : null,
      record.task ? hashName(record.task) : null,
      extra.template ?? record.template ?? null,
      extra.services ?? null,
      extra.ports ?? null,
      record.version,
      Object.keys(extra.raw).length ? JSON.stringify(extra.raw) : null,
    );
    await maybeAutoSync(db, record.version, now);
  } catch (error) {
    debug(`telemetry skipped: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

/** `sync auto on`: upload after a command, at most once an hour; a failure waits for the next chance. */
async function maybeAutoSync(db: Db, version: string, now: Date): Promise<void> {
  const { getSetting, setSetting } = await import("./store.js");
  if (getSetting(db, "sync.auto") !== "1") return;
  const last = getSetting(db, "sync.last_auto");
  if (last && now.getTime() - Date.parse(last) < 3600_000) return;
  setSetting(db, "sync.last_auto", now.toISOString());
  const { syncNow } = await import("./sync.js");
  await syncNow(db, version).catch((error: Error) => {
    setSetting(db, "sync.last_error", error.message);
    debug(`auto sync failed: ${error.message}`);
  });
}

/** One terminal or agent session: NEXUS_SESSION_ID, else the parent process with a 30-minute idle timeout. */
function touchSession(db: Db, now: Date): string {
  const source = process.env.NEXUS_SESSION_ID
    ? `env:${process.env.NEXUS_SESSION_ID}`
    : `ppid:${process.ppid}`;
  const at = now.toISOString();
  const idleSince = new Date(now.getTime() - IDLE_MS).toISOString();
  const current = db
    .prepare(
      "SELECT id FROM sessions WHERE source = ? AND (last_seen_at >= ? OR source LIKE 'env:%') ORDER BY last_seen_at DESC LIMIT 1",
    )
    .pluck()
    .get(source, idleSince) as string | undefined;
  const id =
    current ??
    `${process.env.NEXUS_SESSION_ID ? hashName(process.env.NEXUS_SESSION_ID).slice(0, 16) : `p${process.ppid}`}-${now.getTime().toString(36)}`;
  if (current)
    db.prepare("UPDATE sessions SET last_seen_at = ?, commands = commands + 1 WHERE id = ?").run(at, id);
  else
    db.prepare(
      "INSERT INTO sessions (id, source, started_at, last_seen_at, commands) VALUES (?, ?, ?, ?, 1)",
    ).run(id, source, at, at);
  return id;
}
