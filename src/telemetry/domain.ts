import { readFileSync } from "node:fs";
import type { Db } from "../core/db.js";
import type { DomainEvent } from "../core/events.js";
import { diagnose } from "../core/report.js";
import { keyedHash } from "./key.js";
import { noteTelemetry } from "./recorder.js";
import { type SessionDelta, touchSession, uncountCompletion } from "./session.js";
import { UNDOES_COMPLETION as UNDOING } from "./stats.js";
import { isEnabled, openTelemetry } from "./store.js";

/** Something that happened to a task or workspace (core/events.ts); its subject is stored as a keyed hash. */
export type DomainEventInput = DomainEvent;

/** Actions that undo a completion (a send-back by `nexus land` as a rejection): no longer completed. */
const UNDOES_COMPLETION = new Set(UNDOING);

function deltaOf(event: DomainEventInput): SessionDelta {
  if (event.type === "workspace") return { workspaces: event.action === "created" ? 1 : 0 };
  return { tasks: event.action === "completed" ? 1 : 0 };
}

/**
 * Records a task or workspace event at the moment the state changes. Never throws and never makes
 * the caller fail: a broken or locked database is skipped (with a message under --verbose).
 */
export async function recordDomainEvent(event: DomainEventInput, now = new Date()): Promise<void> {
  // The command's own event carries the same subject: `task create` then hashes the new id.
  noteTelemetry(event.type === "task" ? { task: event.subject } : { workspace: event.subject });
  let db: Db | undefined;
  try {
    db = await openTelemetry();
    if (!isEnabled(db)) return;
    insertDomainEvent(db, event, now);
  } catch (error) {
    diagnose(`telemetry skipped: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}

function insertDomainEvent(db: Db, event: DomainEventInput, now: Date): void {
  const hash = keyedHash(event.subject);
  db.transaction(() => {
    if (event.type === "task" && UNDOES_COMPLETION.has(event.action) && wasCompleted(db, hash))
      uncountCompletion(db, hash);
    const session = touchSession(db, { start: now, end: now }, deltaOf(event));
    db.prepare(
      `INSERT INTO events (timestamp, session_id, event_type, action, command, duration_ms, success, exit_code,
         workspace_hash, task_hash, template_used, services_count, ports_used, nexus_version, raw_data)
       VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      now.toISOString(),
      session,
      event.type,
      event.action,
      `${event.type} ${event.action}`,
      event.durationMs ?? 0,
      event.type === "workspace" ? hash : null,
      event.type === "task" ? hash : null,
      event.template ?? null,
      event.services ?? null,
      event.ports ?? null,
      nexusVersion(),
      event.raw && Object.keys(event.raw).length ? JSON.stringify(event.raw) : null,
    );
  })();
}

/** Whether the task's latest completion-relevant event is a completion. */
function wasCompleted(db: Db, taskHash: string): boolean {
  const last = db
    .prepare(
      `SELECT action FROM events WHERE event_type = 'task' AND task_hash = ?
         AND action IN ('completed', ${UNDOING.map(() => "?").join(", ")}) ORDER BY id DESC LIMIT 1`,
    )
    .pluck()
    .get(taskHash, ...UNDOING) as string | undefined;
  return last === "completed";
}

let version: string | undefined;

/** package.json's version, from the sources, dist/telemetry/ or the bundle (dist/nexus.cjs). */
function nexusVersion(): string {
  version ??= readVersion();
  return version;
}

function readVersion(): string {
  for (const candidate of ["../../package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "nexus" && pkg.version) return pkg.version;
    } catch {
      // Not this one.
    }
  }
  return "0";
}
