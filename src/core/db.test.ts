import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/fs.js";
import { migrate, openDb } from "./db.js";
import { NexusError } from "./errors.js";

describe("project database", () => {
  it("opens in WAL mode with a busy timeout and current migrations, idempotently", () => {
    const file = join(tempDir(), "nexus.db");
    const first = openDb(file);
    expect(first.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(first.pragma("busy_timeout", { simple: true })).toBe(10000);
    const version = first.pragma("user_version", { simple: true });
    first.close();
    const second = openDb(file);
    expect(second.pragma("user_version", { simple: true })).toBe(version);
    second.close();
  });

  it("lets two connections write without 'database is locked'", () => {
    const file = join(tempDir(), "nexus.db");
    const a = openDb(file);
    const b = openDb(file);
    const now = new Date().toISOString();
    const insert = (db: Database.Database, name: string) =>
      db
        .prepare(
          "INSERT INTO workspaces (name, branch, template, worktree_path, state, created_at, updated_at) VALUES (?, ?, 'none', '/x', 'stopped', ?, ?)",
        )
        .run(name, `nexus/${name}`, now, now);
    for (let i = 0; i < 50; i++) {
      insert(a, `a${i}`);
      insert(b, `b${i}`);
    }
    expect(a.prepare("SELECT COUNT(*) FROM workspaces").pluck().get()).toBe(100);
  });

  it("runs only missing migrations", () => {
    const db = new Database(":memory:");
    migrate(db, ["CREATE TABLE t (x)"]);
    migrate(db, ["CREATE TABLE t (x)", "ALTER TABLE t ADD COLUMN y"]);
    expect(db.pragma("user_version", { simple: true })).toBe(2);
  });

  it("turns an unopenable file into a NexusError", () => {
    expect(() => openDb(join(tempDir(), "missing-dir", "x", "nexus.db"))).toThrow(NexusError);
  });
});
