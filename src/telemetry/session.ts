import type { Db } from "../core/db.js";
import { keyedHash } from "./key.js";

/** A session ends after 30 minutes without a command: the next command starts a new one. */
const IDLE_MS = 30 * 60 * 1000;

/** What a recorded event adds to its session's figures. */
export interface SessionDelta {
  commands?: number;
  workspaces?: number;
  tasks?: number;
  errors?: number;
}

/**
 * One terminal or agent session: NEXUS_SESSION_ID when set, else this user's activity on the
 * machine. Either ends when idle for 30 minutes. A session lasts from the start of its first
 * command to the end of its last event: `started_at`, `ended_at` and `duration_ms` say so.
 */
export function touchSession(db: Db, at: { start: Date; end: Date }, delta: SessionDelta): string {
  const env = process.env.NEXUS_SESSION_ID;
  const source = env ? `env:${keyedHash(env).slice(0, 16)}` : "local";
  const end = at.end.toISOString();
  const idleSince = new Date(at.start.getTime() - IDLE_MS).toISOString();
  const current = db
    .prepare(
      "SELECT session_id, started_at FROM sessions WHERE source = ? AND last_seen_at >= ? ORDER BY last_seen_at DESC LIMIT 1",
    )
    .get(source, idleSince) as { session_id: string; started_at: string } | undefined;
  const counts = [delta.commands ?? 0, delta.workspaces ?? 0, delta.tasks ?? 0, delta.errors ?? 0];
  if (current) {
    db.prepare(
      `UPDATE sessions SET last_seen_at = MAX(last_seen_at, @end), ended_at = MAX(COALESCE(ended_at, @end), @end),
         duration_ms = MAX(0, (julianday(MAX(COALESCE(ended_at, @end), @end)) - julianday(started_at)) * 86400000.0),
         commands_executed = commands_executed + @c, workspaces_created = workspaces_created + @w,
         tasks_completed = MAX(0, tasks_completed + @t), errors_encountered = errors_encountered + @e
       WHERE session_id = @id`,
    ).run({ end, id: current.session_id, c: counts[0], w: counts[1], t: counts[2], e: counts[3] });
    return current.session_id;
  }
  const id = `${source === "local" ? "l" : source.slice(4, 12)}-${at.start.getTime().toString(36)}`;
  db.prepare(
    `INSERT INTO sessions (session_id, source, started_at, last_seen_at, ended_at, duration_ms, commands_executed,
       workspaces_created, tasks_completed, errors_encountered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    source,
    at.start.toISOString(),
    end,
    end,
    at.end.getTime() - at.start.getTime(),
    counts[0],
    counts[1],
    Math.max(0, counts[2]!),
    counts[3],
  );
  return id;
}

/** A completion undone (a rejected review, a reopened task) no longer counts in the session that had it. */
export function uncountCompletion(db: Db, taskHash: string): void {
  db.prepare(
    `UPDATE sessions SET tasks_completed = MAX(0, tasks_completed - 1) WHERE session_id = (
       SELECT session_id FROM events WHERE event_type = 'task' AND action = 'completed' AND task_hash = ?
       ORDER BY id DESC LIMIT 1)`,
  ).run(taskHash);
}
