import { createHash } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { recordDomainEvent } from "../src/telemetry/domain.js";
import { keyedHash } from "../src/telemetry/key.js";
import { recordCommand } from "../src/telemetry/recorder.js";
import { statsFor } from "../src/telemetry/report.js";
import { openTelemetry } from "../src/telemetry/store.js";
import { isolatedHome } from "./helpers/fs.js";

/** The product plan's three tables, as the plan (and issue 11) wrote them. */
const PLAN = `
CREATE TABLE events (
  timestamp, session_id, event_type, workspace_hash, task_hash, command, duration_ms, success,
  error_category, template_used, services_count, ports_used, raw_data
);
CREATE TABLE sessions (
  session_id, started_at, ended_at, duration_ms, commands_executed, workspaces_created,
  tasks_completed, errors_encountered, user_feedback
);
CREATE TABLE patterns (
  pattern_type, description, frequency, first_seen, last_seen, affected_sessions, suggested_fix
);`;

function planTables(): { table: string; columns: string[] }[] {
  return [...PLAN.matchAll(/CREATE TABLE (\w+) \(([^)]*)\)/g)].map((m) => ({
    table: m[1]!,
    columns: m[2]!.split(",").map((c) => c.trim()),
  }));
}

/** The schema version 0.1 shipped (migration 1), to build a database as an old installation has it. */
const OLD_SCHEMA = `CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, session_id TEXT NOT NULL,
  command TEXT NOT NULL, duration_ms REAL NOT NULL, success INTEGER NOT NULL, exit_code INTEGER NOT NULL, error_category TEXT,
  workspace_hash TEXT, task_hash TEXT, template TEXT, services_count INTEGER, ports_count INTEGER, nexus_version TEXT NOT NULL,
  raw_data TEXT);
CREATE INDEX events_by_ts ON events (ts);
CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
  commands INTEGER NOT NULL DEFAULT 0);
CREATE INDEX sessions_by_source ON sessions (source, last_seen_at);
CREATE TABLE patterns (id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, description TEXT NOT NULL,
  suggestion TEXT NOT NULL, frequency INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;`;

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe("the product plan's schema", () => {
  it("runs the plan's own column lists against the live schema", async () => {
    isolatedHome();
    const db = await openTelemetry();
    for (const { table, columns } of planTables()) {
      expect(() => db.prepare(`SELECT ${columns.join(", ")} FROM ${table}`).all()).not.toThrow();
    }
    expect(planTables().map((t) => t.table)).toEqual(["events", "sessions", "patterns"]);
    await recordCommand({ command: "task list", durationMs: 5, exitCode: 0, version: "0.1.0" });
    await recordDomainEvent({ type: "task", action: "completed", subject: "nx-1" });
    const types = db.prepare("SELECT DISTINCT event_type FROM events ORDER BY 1").pluck().all();
    expect(types).toEqual(["command", "task"]);
    expect(() => db.prepare("UPDATE events SET event_type = 'other'").run()).toThrow(/CHECK/);
    db.close();
  });

  it("migrates a database in the old schema without losing an event", async () => {
    const home = isolatedHome();
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, ".nexus"), { recursive: true });
    const old = new Database(join(home, ".nexus", "telemetry.db"));
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(
      "INSERT INTO events (ts, session_id, command, duration_ms, success, exit_code, error_category, workspace_hash, task_hash, template, services_count, ports_count, nexus_version) VALUES (?, 's1', ?, ?, ?, ?, ?, ?, ?, ?, 2, 3, '0.1.0')",
    );
    const t = (m: number) => ago(m).toISOString();
    insert.run(t(50), "workspace create", 4000, 1, 0, null, sha("feat"), null, "node-postgres");
    insert.run(t(40), "task complete", 300, 1, 0, null, null, sha("nx-1"), null);
    insert.run(t(30), "task show", 20, 0, 1, "not_found", null, sha("nx-2"), null);
    old.prepare("INSERT INTO sessions VALUES ('s1', 'ppid:1', ?, ?, 3)").run(t(50), t(30));
    old
      .prepare("INSERT INTO patterns VALUES ('error:x', 'error', 'x', 'd', 'fix it', 2, ?, ?)")
      .run(t(50), t(30));
    old.close();

    const db = await openTelemetry();
    const commands = db
      .prepare("SELECT * FROM events WHERE event_type = 'command' ORDER BY id")
      .all() as Record<string, unknown>[];
    expect(commands.map((e) => e.command)).toEqual(["workspace create", "task complete", "task show"]);
    expect(commands[0]).toMatchObject({ template_used: "node-postgres", ports_used: 3, duration_ms: 4000 });
    // Plain SHA-256 hashes are re-keyed: no longer brute-forceable, still equal for equal names.
    expect(commands[0]!.workspace_hash).toBe(keyedHash(`sha256:${sha("feat")}`));
    expect(JSON.stringify(commands)).not.toContain(sha("nx-1"));
    const domain = db.prepare("SELECT event_type, action FROM events WHERE event_type != 'command'").all();
    expect(domain).toEqual([
      { event_type: "workspace", action: "created" },
      { event_type: "task", action: "completed" },
    ]);
    const session = db.prepare("SELECT * FROM sessions").get() as Record<string, number | string>;
    expect(session).toMatchObject({
      session_id: "s1",
      commands_executed: 3,
      workspaces_created: 1,
      tasks_completed: 1,
      // The one failed command was a refusal (`task show` of no task): not an error of Nexus's.
      errors_encountered: 0,
    });
    expect(commands.map((e) => e.outcome)).toEqual(["ok", "ok", "refused"]);
    expect(Math.round(Number(session.duration_ms) / 60_000)).toBe(20);
    expect(db.prepare("SELECT pattern_type, suggested_fix FROM patterns").get()).toEqual({
      pattern_type: "error",
      suggested_fix: "fix it",
    });
    const stats = statsFor(db, 7);
    expect(stats).toMatchObject({ commands: 3, workspacesCreated: 1, tasksCompleted: 1 });
    expect(Math.round(stats.averageSessionMinutes)).toBe(20);
    db.close();
  });
});

describe("outcomes of commands recorded before they were kept", () => {
  it("gives each old command its outcome from its exit and category, and stats count only Nexus's failures", async () => {
    isolatedHome();
    const before = await openTelemetry();
    before.exec(
      "DROP INDEX events_by_command; DROP INDEX events_notable; ALTER TABLE events DROP COLUMN outcome; PRAGMA user_version = 2;",
    );
    const insert = before.prepare(
      `INSERT INTO events (timestamp, session_id, command, duration_ms, success, exit_code, error_category, nexus_version)
       VALUES (?, 's1', ?, 10, ?, ?, ?, '0.1.0')`,
    );
    const old: [string, number, string | null][] = [
      ["task list", 0, null],
      ["workspace exec", 3, null],
      ["task claim", 1, "conflict"],
      ["task complete", 1, "gate_failed"],
      ["task create", 2, "validation"],
      ["workspace exec", 1, "not_found"],
      ["workspace up", 1, "docker"],
    ];
    for (const [command, code, category] of old)
      insert.run(ago(10).toISOString(), command, code ? 0 : 1, code, category);
    before
      .prepare(
        "INSERT INTO sessions (session_id, source, started_at, last_seen_at, errors_encountered) VALUES ('s1', 'local', ?, ?, 6)",
      )
      .run(ago(10).toISOString(), ago(10).toISOString());
    before.close();

    const db = await openTelemetry();
    expect(db.prepare("SELECT outcome FROM events ORDER BY id").pluck().all()).toEqual([
      "ok",
      "passed_through",
      "refused",
      "gate_failed",
      "refused",
      "refused",
      "failed",
    ]);
    expect(db.prepare("SELECT errors_encountered FROM sessions").pluck().get()).toBe(1);
    expect(statsFor(db, 1)).toMatchObject({
      commands: 7,
      failureRate: 1 / 7,
      outcomes: { ok: 1, failed: 1, refused: 3, passed_through: 1, gate_failed: 1 },
    });
    expect(() => db.prepare("UPDATE events SET outcome = 'fine'").run()).toThrow(/CHECK/);
    db.close();
  });
});

describe("figures that count what happened", () => {
  it("counts task completions from domain events, and a rejection takes one back", async () => {
    isolatedHome();
    await recordDomainEvent({ type: "task", action: "completed", subject: "nx-a" });
    await recordDomainEvent({ type: "task", action: "completed", subject: "nx-b" });
    await recordDomainEvent({ type: "task", action: "rejected", subject: "nx-b" });
    await recordDomainEvent({ type: "workspace", action: "created", subject: "w", template: "none" });
    const db = await openTelemetry();
    expect(statsFor(db, 1)).toMatchObject({ tasksCompleted: 1, workspacesCreated: 1, commands: 0 });
    expect(db.prepare("SELECT SUM(tasks_completed) FROM sessions").pluck().get()).toBe(1);
    const hashes = db
      .prepare("SELECT DISTINCT task_hash FROM events WHERE task_hash IS NOT NULL")
      .pluck()
      .all();
    expect(hashes).toEqual([keyedHash("nx-a"), keyedHash("nx-b")]);
    db.close();
  });

  it("a session lasts from its first command's start to its last event, and ends when idle", async () => {
    isolatedHome();
    const run = (at: Date, ms = 1000) =>
      recordCommand({ command: "task list", durationMs: ms, exitCode: 0, version: "0.1.0" }, at);
    await run(ago(100), 60_000);
    await run(ago(90));
    await run(ago(80));
    await run(ago(5)); // 75 minutes idle: a new session
    const db = await openTelemetry();
    const sessions = db
      .prepare("SELECT commands_executed, duration_ms FROM sessions ORDER BY started_at")
      .all() as {
      commands_executed: number;
      duration_ms: number;
    }[];
    expect(sessions.map((s) => s.commands_executed)).toEqual([3, 1]);
    expect(Math.round(sessions[0]!.duration_ms / 60_000)).toBe(21);
    expect(statsFor(db, 1).averageSessionMinutes).toBeGreaterThan(10);
    db.close();
  });
});
