import { BACKFILL_OUTCOME } from "./outcome.js";

/**
 * The rows insights and stats look at besides each command's duration: those with an error category
 * and those that did not end `ok` (`storedOutcome`). The queries that read the partial index
 * `events_notable` repeat this term word for word, so SQLite knows the index holds their rows. A
 * migration uses it: never change it; a new index gets a new term.
 */
export const NOTABLE =
  "(error_category IS NOT NULL OR COALESCE(outcome, iif(success, 'ok', 'failed')) <> 'ok')";

/** telemetry.db's schema, one migration per change (core/db.ts `migrate`); store.ts opens it. */
export const MIGRATIONS = [
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
  // The product plan's schema: its column names, event types, session figures and pattern fields.
  // Old hashes (plain SHA-256) are re-keyed; finished workspace creates and task completions become
  // domain events, so the figures of an upgraded database still count what happened.
  `ALTER TABLE events RENAME COLUMN ts TO timestamp;
   ALTER TABLE events RENAME COLUMN template TO template_used;
   ALTER TABLE events RENAME COLUMN ports_count TO ports_used;
   ALTER TABLE events ADD COLUMN event_type TEXT NOT NULL DEFAULT 'command'
     CHECK (event_type IN ('command', 'workspace', 'task', 'error'));
   ALTER TABLE events ADD COLUMN action TEXT;
   UPDATE events SET workspace_hash = nexus_rekey(workspace_hash), task_hash = nexus_rekey(task_hash)
     WHERE workspace_hash IS NOT NULL OR task_hash IS NOT NULL;
   INSERT INTO events (timestamp, session_id, event_type, action, command, duration_ms, success, exit_code,
       workspace_hash, task_hash, template_used, services_count, ports_used, nexus_version, raw_data)
     SELECT timestamp, session_id, CASE command WHEN 'workspace create' THEN 'workspace' ELSE 'task' END,
       CASE command WHEN 'workspace create' THEN 'created' ELSE 'completed' END,
       CASE command WHEN 'workspace create' THEN 'workspace created' ELSE 'task completed' END,
       duration_ms, 1, 0, workspace_hash, task_hash, template_used, services_count, ports_used, nexus_version, raw_data
     FROM events WHERE success = 1 AND command IN ('workspace create', 'task complete') ORDER BY id;
   CREATE INDEX events_by_type ON events (event_type, timestamp);
   ALTER TABLE sessions RENAME COLUMN id TO session_id;
   ALTER TABLE sessions RENAME COLUMN commands TO commands_executed;
   ALTER TABLE sessions ADD COLUMN ended_at TEXT;
   ALTER TABLE sessions ADD COLUMN duration_ms REAL NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN workspaces_created INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN tasks_completed INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN errors_encountered INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sessions ADD COLUMN user_feedback TEXT;
   UPDATE sessions SET ended_at = last_seen_at,
     duration_ms = MAX(0, (julianday(last_seen_at) - julianday(started_at)) * 86400000.0),
     workspaces_created = (SELECT COUNT(*) FROM events e WHERE e.session_id = sessions.session_id
       AND e.event_type = 'workspace' AND e.action = 'created'),
     tasks_completed = (SELECT COUNT(*) FROM events e WHERE e.session_id = sessions.session_id
       AND e.event_type = 'task' AND e.action = 'completed'),
     errors_encountered = (SELECT COUNT(*) FROM events e WHERE e.session_id = sessions.session_id
       AND e.success = 0);
   ALTER TABLE patterns RENAME COLUMN kind TO pattern_type;
   ALTER TABLE patterns RENAME COLUMN suggestion TO suggested_fix;
   ALTER TABLE patterns ADD COLUMN affected_sessions INTEGER NOT NULL DEFAULT 0;`,
  // Each command's outcome (see outcome.ts): only `failed` is Nexus's failure. Earlier commands get
  // theirs from their exit and error category; a session's errors no longer count the others.
  `ALTER TABLE events ADD COLUMN outcome TEXT
     CHECK (outcome IN ('ok', 'failed', 'refused', 'passed_through', 'gate_failed'));
   UPDATE events SET outcome = ${BACKFILL_OUTCOME} WHERE event_type = 'command';
   UPDATE sessions SET errors_encountered = MAX(0, errors_encountered - (SELECT COUNT(*) FROM events e
     WHERE e.session_id = sessions.session_id AND e.event_type = 'command' AND e.outcome <> 'ok'
       AND e.outcome <> 'failed'));`,
  // `stats` reads one command's window at a time along this index, in day order, without a sort, and
  // the failing commands' categories from the small partial index (stats-sql.ts says what it saves).
  `CREATE INDEX events_by_command ON events
     (event_type, command, substr(timestamp, 1, 10), timestamp, duration_ms, outcome, success);
   CREATE INDEX events_failing ON events (event_type, timestamp, error_category, outcome, success)
     WHERE error_category IS NOT NULL;`,
  // `insights` reads the notable rows (failures, refusals, port conflicts, …) with their command and
  // session from this index: it holds what `events_failing` held, so that one goes (insights-sql.ts).
  `DROP INDEX events_failing;
   CREATE INDEX events_notable ON events (event_type, timestamp, error_category, outcome, success, command, session_id)
     WHERE ${NOTABLE};`,
];
