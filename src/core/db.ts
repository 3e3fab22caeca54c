import { existsSync, renameSync } from "node:fs";
import Database from "better-sqlite3";
import { NexusError } from "./errors.js";
import { type Report, silentReport } from "./report.js";

export type Db = Database.Database;

/** Ordered, append-only: never edit a shipped migration, add a new one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE workspaces (
     name TEXT PRIMARY KEY,
     branch TEXT NOT NULL,
     template TEXT NOT NULL,
     template_hash TEXT,
     worktree_path TEXT NOT NULL,
     base_ref TEXT,
     state TEXT NOT NULL,
     post_create_done INTEGER NOT NULL DEFAULT 0,
     created_branch INTEGER NOT NULL DEFAULT 1,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE TABLE ports (
     workspace TEXT NOT NULL REFERENCES workspaces(name) ON DELETE CASCADE,
     service TEXT NOT NULL,
     name TEXT NOT NULL,
     container_port INTEGER NOT NULL,
     host_port INTEGER NOT NULL UNIQUE,
     PRIMARY KEY (workspace, service, container_port)
   );`,
  // How many services the template had at the last create/up: `list` needs no template parsing.
  `ALTER TABLE workspaces ADD COLUMN services INTEGER NOT NULL DEFAULT 0;`,
  // Tasks: an index of .nexus/tasks.jsonl (the truth), rebuilt whenever the file's hash changes.
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     status TEXT NOT NULL,
     priority INTEGER NOT NULL,
     assignee TEXT,
     workspace TEXT,
     lease_expires_at TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     depends_on TEXT NOT NULL,
     labels TEXT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX tasks_by_status ON tasks (status, priority, created_at);
   CREATE TABLE task_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE agents (
     name TEXT PRIMARY KEY,
     capabilities TEXT NOT NULL,
     registered_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL
   );`,
  // Parsed settings keyed by a hash of the file: most commands then load neither yaml nor zod.
  `CREATE TABLE cache (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  `CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, source TEXT NOT NULL, data TEXT NOT NULL);`,
  // The Compose profiles a workspace was created (or last started) with, a JSON list: `up` reuses them.
  `ALTER TABLE workspaces ADD COLUMN profiles TEXT NOT NULL DEFAULT '[]';`,
  // Where commands run (Compose project, dev service, user, folder, remoteEnv), recorded at create/up:
  // gates and exec find the dev container by label without deriving the environment again.
  `ALTER TABLE workspaces ADD COLUMN compose_project TEXT;
   ALTER TABLE workspaces ADD COLUMN dev TEXT;`,
  // 8: the remote host a workspace lives on (issue 21); null on this machine.
  `ALTER TABLE workspaces ADD COLUMN host TEXT;`,
  // 9: each task's facts (tasks/facts.ts), derived when it is indexed: outcomes parse no histories.
  `CREATE TABLE task_facts (id TEXT PRIMARY KEY, updated_at TEXT NOT NULL, facts TEXT NOT NULL) WITHOUT ROWID;`,
];

/**
 * WAL lets readers run beside a writer, and the busy timeout makes concurrent nexus
 * processes wait for each other instead of failing with "database is locked".
 */
export function openDb(file: string, report: Report = silentReport): Db {
  return openOrRebuild(file, openOnce, report);
}

/**
 * Opens a database that is a cache (nexus.db of local state, telemetry.db of the user's own
 * history): a corrupt one is moved aside as FILE.corrupt-TIME (nothing is silently lost), one warning
 * says so, and `open` makes it anew, as if it had been deleted.
 */
export function openOrRebuild<T>(file: string, open: (file: string) => T, report: Report): T {
  try {
    return open(file);
  } catch (error) {
    if (!isCorrupt(error) || !existsSync(file)) throw error;
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    // Another process (a second command, the background recorder) may have moved it first.
    if (!moved(file, aside)) return open(file);
    for (const suffix of ["-wal", "-shm"]) moved(file + suffix, aside + suffix);
    report.warn(`${file} was corrupt (${(error as Error).message}); moved to ${aside} and rebuilt.`);
    return open(file);
  }
}

function moved(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** SQLITE_CORRUPT (and its extended codes) or SQLITE_NOTADB: the file is not a usable database. */
function isCorrupt(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? "";
  return code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB";
}

function openOnce(file: string): Db {
  let db: Db;
  try {
    db = new Database(file, { timeout: 10_000 });
  } catch (error) {
    throw new NexusError(`Cannot open the database ${file}: ${(error as Error).message}`, {
      category: "environment",
      hint: "Check the folder's permissions and free space; the database is a cache of local state and may be deleted.",
      cause: error,
    });
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 10000");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    migrate(db, MIGRATIONS);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function migrate(db: Db, migrations: string[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current >= migrations.length) return;
  // IMMEDIATE takes the write lock up front, so two processes never run the same migration.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let i = version; i < migrations.length; i++) {
      db.exec(migrations[i]!);
      db.pragma(`user_version = ${i + 1}`);
    }
  }).immediate();
}
