import type { Db } from "../core/db.js";

const TABLES = ["events", "sessions", "patterns"] as const;

export function exportJson(db: Db): string {
  const data = Object.fromEntries(
    TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]),
  );
  return `${JSON.stringify(data, null, 2)}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV of the events table. */
export function exportCsv(db: Db): string {
  const columns = (db.prepare("PRAGMA table_info(events)").all() as { name: string }[]).map((c) => c.name);
  const rows = db.prepare("SELECT * FROM events ORDER BY id").raw().all() as unknown[][];
  return [columns.join(","), ...rows.map((r) => r.map(csvField).join(","))].map((l) => `${l}\r\n`).join("");
}

function sqlValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A dump that `sqlite3 new.db < dump.sql` loads: schema, then every row. */
export function exportSql(db: Db): string {
  const lines = ["BEGIN TRANSACTION;"];
  for (const table of TABLES) {
    const schema = db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(table) as string;
    lines.push(`${schema};`);
    for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw().all() as unknown[][]) {
      lines.push(`INSERT INTO ${table} VALUES (${row.map(sqlValue).join(", ")});`);
    }
  }
  const indexes = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    .pluck()
    .all() as string[];
  lines.push(...indexes.map((i) => `${i};`), "COMMIT;");
  return `${lines.join("\n")}\n`;
}
