import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeAtomic } from "../core/atomic.js";
import type { Db } from "../core/db.js";
import { NotFoundError } from "../core/errors.js";
import { withLock } from "../core/lock.js";
import type { ProjectPaths } from "../core/paths.js";
import { type Report, silentReport } from "../core/report.js";
import { loadTrust, type Trust } from "./evidence.js";
import type { TaskFacts } from "./facts.js";
import { indexWriter } from "./index-row.js";
import { isUnverified } from "./integrity.js";
import { conflictError, corruptLinesError, formatTasks, hashText, parseTasks, readText } from "./jsonl.js";
import { badLines, spliceLines } from "./lines.js";
import { serializeTask, type Task } from "./model.js";

export interface TaskRow {
  id: string;
  title: string;
  status: Task["status"];
  priority: number;
  assignee: string | null;
  workspace: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  dependsOn: string[];
  labels: string[];
  /** Done without the passing gate run that made it done (see integrity.ts). */
  unverified: boolean;
}

/** Bumped when what the index derives from a task changes (4: each task's facts, facts.ts). */
const INDEX_FORMAT = "4";

/** The changes one locked write makes; applied to the file and the index together. */
export interface TaskTx {
  find(id: string): Task | undefined;
  get(id: string): Task;
  has(id: string): boolean;
  count(): number;
  put(task: Task): void;
  remove(id: string): void;
}

/**
 * `.nexus/tasks.jsonl` is the truth and SQLite an index of it. Every read first compares the file's
 * hash with the hash of the last import and re-imports on any difference (git pull, checkout,
 * merge, a deleted database). Every write happens under a cross-process lock, to the file
 * (atomically) and the index in the same step. Nothing is ever written "later".
 */
export class TaskStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(
    private readonly db: Db,
    paths: ProjectPaths,
    /** Allowed signers and project gates: what "verified" is judged against (see integrity.ts). */
    public trust: Trust,
    private readonly report: Report = silentReport,
  ) {
    this.file = join(paths.nexusDir, "tasks.jsonl");
    this.lockFile = join(paths.nexusDir, "tasks.lock");
  }

  /** File identity at the last sync in this process: an unchanged file is not read again. */
  private seen = "";

  /** Re-imports when the file changed; returns whether it did. */
  sync(text?: string): boolean {
    const stamp = this.stamp();
    if (text === undefined && stamp === this.seen) return false;
    // Same inode, size and mtime as at the last import or write: the content is what we indexed.
    if (stamp === this.meta("stamp")) {
      this.seen = stamp;
      return false;
    }
    const content = text ?? readText(this.file);
    this.seen = stamp;
    const hash = `${INDEX_FORMAT}:${this.trust.fingerprint}:${hashText(content)}`;
    if (this.meta("hash") === hash) {
      this.setMeta("stamp", stamp);
      return false;
    }
    const parsed = parseTasks(content);
    if (parsed.conflictLine) throw conflictError(this.file, parsed.conflictLine);
    if (parsed.errors.length) this.report.warn(corruptLinesError(this.file, parsed.errors).message);
    this.db.transaction(() => {
      const index = indexWriter(this.db);
      index.clear();
      const unverified: string[] = [];
      for (const task of parsed.tasks) {
        const judged = this.isUnverified(task);
        if (judged) unverified.push(task.id);
        index.put(task, judged);
      }
      this.setMeta("unverified", JSON.stringify(unverified));
      this.setMeta("hash", hash);
      this.setMeta("stamp", stamp);
      this.setMeta("clean", parsed.errors.length ? "" : hash);
    })();
    return true;
  }

  /** How many in-progress tasks hold a lease that ended before `now` (one indexed count, no rows). */
  expiredLeases(now: string): number {
    this.sync();
    return this.db
      .prepare("SELECT COUNT(*) FROM tasks WHERE status = 'in_progress' AND lease_expires_at < ?")
      .pluck()
      .get(now) as number;
  }

  rows(filter: { status?: string; assignee?: string; unverified?: boolean } = {}): TaskRow[] {
    this.sync();
    const unverified = new Set(this.unverifiedIds());
    if (filter.unverified && !unverified.size) return [];
    const where: string[] = [];
    if (filter.status) where.push("status = @status");
    if (filter.assignee) where.push("assignee = @assignee");
    if (filter.unverified) where.push("status = 'done'");
    const sql = `SELECT id, title, status, priority, assignee, workspace, lease_expires_at AS leaseExpiresAt,
      created_at AS createdAt, depends_on AS dependsOn, labels FROM tasks
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY priority, created_at, id`;
    const params = { status: filter.status, assignee: filter.assignee };
    const rows = this.db.prepare(sql).all(params) as (Omit<TaskRow, "dependsOn" | "labels" | "unverified"> & {
      dependsOn: string;
      labels: string;
    })[];
    // Built field by field: a spread plus a new key costs a third more on 10,000 rows.
    const result = rows.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      priority: r.priority,
      assignee: r.assignee,
      workspace: r.workspace,
      leaseExpiresAt: r.leaseExpiresAt,
      createdAt: r.createdAt,
      dependsOn: JSON.parse(r.dependsOn) as string[],
      labels: JSON.parse(r.labels) as string[],
      unverified: unverified.has(r.id),
    }));
    return filter.unverified ? result.filter((r) => r.unverified) : result;
  }

  /** After a new key was allowed: the index is judged again against the signers file as it is now. */
  refreshTrust(): void {
    this.trust = loadTrust({ nexusDir: dirname(this.file) }, this.trust.gates);
  }

  /** Done, but without a passing, signed gate run of its current checks (integrity.ts). */
  isUnverified(task: Task): boolean {
    return isUnverified(task, this.trust);
  }

  /** The file's identity (inode, size, mtime), and what it was judged against: new signers or gates re-judge it. */
  private stamp(): string {
    const stat = statSync(this.file, { throwIfNoEntry: false });
    return `${INDEX_FORMAT}:${this.trust.fingerprint}:${stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : "missing"}`;
  }

  /** Ids of done tasks without a passing gate run; kept up to date with the index. */
  unverifiedIds(): string[] {
    this.sync();
    return JSON.parse(this.meta("unverified") ?? "[]") as string[];
  }

  find(id: string): Task | undefined {
    this.sync();
    const data = this.db.prepare("SELECT data FROM tasks WHERE id = ?").pluck().get(id) as string | undefined;
    return data ? (JSON.parse(data) as Task) : undefined;
  }

  get(id: string): Task {
    const task = this.find(id);
    if (task) return task;
    throw new NotFoundError(`No task ${id}.`, "Run `nexus task list` to see the task IDs.");
  }

  /** Every task, or those changed at or after `since` (their `updatedAt`): a window parses only its own. */
  all(since?: string): Task[] {
    return this.select("tasks", "data", since);
  }

  /** Every task's facts (facts.ts), or those changed at or after `since`: no history is parsed (index-row.ts). */
  facts(since?: string): TaskFacts[] {
    return this.select("task_facts", "facts", since);
  }

  private select<T>(table: "tasks" | "task_facts", column: "data" | "facts", since?: string): T[] {
    this.sync();
    const where = since === undefined ? "" : "WHERE updated_at >= ?";
    const rows = this.db.prepare(`SELECT ${column} FROM ${table} ${where} ORDER BY id`).pluck();
    return ((since === undefined ? rows.all() : rows.all(since)) as string[]).map((d) => JSON.parse(d));
  }

  /** One locked write: the file is rewritten atomically and the index updated before the lock is released. */
  write<T>(change: (tx: TaskTx) => T): T {
    return withLock(this.lockFile, () => {
      const data = existsSync(this.file) ? readFileSync(this.file) : Buffer.alloc(0);
      if (this.stamp() !== this.meta("stamp")) this.sync(data.toString("utf8"));
      this.seen = this.stamp();
      // Rewriting would drop unreadable lines: refuse, and change nothing. A file indexed clean is not rescanned.
      if (this.meta("clean") !== this.meta("hash")) {
        const bad = badLines(data.toString("utf8"));
        if (bad.length) throw corruptLinesError(this.file, bad);
      }
      const changed = new Map<string, Task | null>();
      const result = change(this.transaction(changed));
      if (changed.size === 0) return result;
      const lines = new Map([...changed].map(([id, task]) => [id, task ? serializeTask(task) : null]));
      const next = spliceLines(data, lines);
      writeAtomic(this.file, next);
      this.seen = this.stamp();
      // No hash of our own write: the stamp identifies it, and a later change by another hand
      // (stamp differs) is then simply re-imported. Saves hashing 5 MB on every write.
      this.applyToIndex(changed, { hash: `written:${this.seen}`, stamp: this.seen });
      return result;
    });
  }

  /** Replaces the whole file (merge repair); the index follows. */
  replaceAll(tasks: Task[]): void {
    withLock(this.lockFile, () => {
      const text = formatTasks(tasks);
      writeAtomic(this.file, text);
      this.sync(text);
    });
  }

  private transaction(changed: Map<string, Task | null>): TaskTx {
    const indexed = this.db.prepare("SELECT data FROM tasks WHERE id = ?").pluck();
    const find = (id: string): Task | undefined => {
      if (changed.has(id)) return changed.get(id) ?? undefined;
      const data = indexed.get(id) as string | undefined;
      return data ? (JSON.parse(data) as Task) : undefined;
    };
    const count = () => this.db.prepare("SELECT COUNT(*) FROM tasks").pluck().get() as number;
    return {
      find,
      get: (id) => {
        const task = find(id);
        if (task) return task;
        throw new NotFoundError(`No task ${id}.`, "Run `nexus task list` to see the task IDs.");
      },
      has: (id) => find(id) !== undefined,
      count,
      put: (task) => void changed.set(task.id, task),
      remove: (id) => void changed.set(id, null),
    };
  }

  private applyToIndex(changed: Map<string, Task | null>, file: { hash: string; stamp: string }): void {
    this.db.transaction(() => {
      const index = indexWriter(this.db);
      const unverified = new Set(JSON.parse(this.meta("unverified") ?? "[]") as string[]);
      for (const [id, task] of changed) {
        const judged = task ? this.isUnverified(task) : false;
        task ? index.put(task, judged) : index.remove(id);
        judged ? unverified.add(id) : unverified.delete(id);
      }
      this.setMeta("unverified", JSON.stringify([...unverified].sort()));
      const wasClean = this.meta("clean") === this.meta("hash");
      this.setMeta("hash", file.hash);
      this.setMeta("stamp", file.stamp);
      this.setMeta("clean", wasClean ? file.hash : "");
    })();
  }

  private meta(key: string): string | undefined {
    return this.db.prepare("SELECT value FROM task_meta WHERE key = ?").pluck().get(key) as
      | string
      | undefined;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO task_meta (key, value) VALUES (?, ?)").run(key, value);
  }
}
