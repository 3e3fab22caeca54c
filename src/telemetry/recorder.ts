import type { Db } from "../core/db.js";
import { diagnose } from "../core/report.js";
import { keyedHash } from "./key.js";
import { type Outcome, outcomeOf } from "./outcome.js";
import { touchSession } from "./session.js";
import { isEnabled, openTelemetry } from "./store.js";

/** What capability code may add to the current command's event (e.g. workspace creation stages). */
type Extra = {
  template?: string;
  services?: number;
  ports?: number;
  errorCategory?: string;
  /** `passed_through`: the non-zero exit is the user's own command's, passed through. */
  outcome?: Outcome;
  /** The task or workspace the command was about, when only the capability knows it (a new task's id). */
  task?: string;
  workspace?: string;
  raw?: Record<string, unknown>;
};
const extra: Extra & { raw: Record<string, unknown> } = { raw: {} };

export function noteTelemetry(data: Extra): void {
  for (const key of [
    "errorCategory",
    "outcome",
    "template",
    "services",
    "ports",
    "task",
    "workspace",
  ] as const)
    if (data[key] !== undefined) (extra as Record<string, unknown>)[key] = data[key];
  Object.assign(extra.raw, data.raw ?? {});
}

/** A name as telemetry keeps it: HMAC-SHA-256 with this installation's key (see key.ts). */
function hashName(name: string): string {
  return keyedHash(name);
}

export interface CommandRecord {
  command: string;
  durationMs: number;
  exitCode: number;
  /** The category of the error the command threw, if any. */
  errorCategory?: string;
  workspace?: string;
  task?: string;
  template?: string;
  version: string;
}

/**
 * Records one command. Never throws and never makes a command fail: a broken or locked database
 * is skipped with a warning under --verbose. Names are stored only as keyed hashes.
 */
export async function recordCommand(record: CommandRecord, now = new Date()): Promise<void> {
  let db: Db | undefined;
  try {
    db = await openTelemetry();
    if (!isEnabled(db)) return;
    insertCommand(db, record, now);
    await maybeAutoSync(db, record.version, now);
  } catch (error) {
    diagnose(`telemetry skipped: ${(error as Error).message}`);
  } finally {
    db?.close();
    forgetNoted();
  }
}

/** What one command noted belongs to it alone (an MCP server or a test runs many in one process). */
function forgetNoted(): void {
  for (const key of Object.keys(extra) as (keyof Extra)[]) if (key !== "raw") delete extra[key];
  extra.raw = {};
}

function insertCommand(db: Db, record: CommandRecord, now: Date): void {
  const outcome = outcomeOf({
    exitCode: record.exitCode,
    thrownCategory: record.errorCategory,
    notedCategory: extra.errorCategory,
    notedOutcome: extra.outcome,
  });
  // A session's errors are Nexus's own: a refusal, a failed gate or the user's exit code is not one.
  const session = touchSession(
    db,
    { start: new Date(now.getTime() - record.durationMs), end: now },
    { commands: 1, errors: outcome === "failed" ? 1 : 0 },
  );
  // The capability's subject wins: `task create` knows the new task's id, the command only its title.
  const task = extra.task ?? record.task;
  const workspace = extra.workspace ?? record.workspace;
  db.prepare(
    `INSERT INTO events (timestamp, session_id, event_type, command, duration_ms, success, exit_code, error_category,
       outcome, workspace_hash, task_hash, template_used, services_count, ports_used, nexus_version, raw_data)
     VALUES (?, ?, 'command', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    now.toISOString(),
    session,
    record.command,
    Math.round(record.durationMs * 10) / 10,
    record.exitCode === 0 ? 1 : 0,
    record.exitCode,
    record.errorCategory ?? extra.errorCategory ?? null,
    outcome,
    workspace ? hashName(workspace) : null,
    task ? hashName(task) : null,
    extra.template ?? record.template ?? null,
    extra.services ?? null,
    extra.ports ?? null,
    record.version,
    Object.keys(extra.raw).length ? JSON.stringify(extra.raw) : null,
  );
}

/**
 * `sync auto on`: at most once an hour, a detached background process uploads (with a short
 * timeout); the user's command returns at once whatever the endpoint does.
 */
async function maybeAutoSync(db: Db, version: string, now: Date): Promise<void> {
  const get = (key: string) =>
    db.prepare("SELECT value FROM settings WHERE key = ?").pluck().get(key) as string | undefined;
  if (get("sync.auto") !== "1") return;
  const last = get("sync.last_auto");
  if (last && now.getTime() - Date.parse(last) < 3600_000) return;
  const notBefore = get("sync.retry_not_before");
  if (notBefore && now.toISOString() < notBefore) return;
  db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('sync.last_auto', ?)").run(
    now.toISOString(),
  );
  const { startBackgroundSync } = await import("./background.js");
  startBackgroundSync(version);
}
