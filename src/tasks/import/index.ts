import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ensureDir, writeAtomic } from "../../core/atomic.js";
import { NexusError, UsageError } from "../../core/errors.js";
import type { TaskContext } from "../context.js";
import type { Task } from "../model.js";
import { applyImport, type ImportRow } from "./apply.js";
import { backlog } from "./backlog.js";
import { beads } from "./beads.js";
import { claude } from "./claude.js";
import { type Format, filesOf } from "./formats.js";
import { type SourceTask, TOOLS, type Tool } from "./mapper.js";
import { taskmaster } from "./taskmaster.js";

export { TOOLS };

const FORMATS: Record<Tool, Format> = { beads, taskmaster, backlog, claude };

export interface ImportResult {
  from: Tool;
  path: string;
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** Records the tool marks deleted (a beads tombstone). */
  skipped: number;
  warnings: string[];
  tasks: ImportRow[];
}

export interface ExportResult {
  to: Tool;
  path: string;
  tasks: number;
  files: string[];
}

function formatOf(tool: string, flag: string): Format {
  if ((TOOLS as readonly string[]).includes(tool)) return FORMATS[tool as Tool];
  throw new UsageError(`Unknown task format ${JSON.stringify(tool)}.`, `Use ${flag} ${TOOLS.join("|")}.`);
}

/** PATH as given (from the current directory), else where the tool keeps its tasks in this project. */
function pathOf(tc: TaskContext, format: Format, path: string | undefined, verb: string): string {
  if (path) return isAbsolute(path) ? path : resolve(path);
  if (format.defaultPath) return join(tc.paths.root, format.defaultPath);
  throw new UsageError(
    `Claude Code keeps one task list per session: say which (${verb} --${verb === "import" ? "from" : "to"} claude PATH).`,
    "Its lists are folders in ~/.claude/tasks/ (or $CLAUDE_CONFIG_DIR/tasks/); a named list is ~/.claude/tasks/NAME.",
  );
}

/**
 * A folder given where the tool keeps its tasks deeper (the other repository's root, or `.beads/`):
 * the tool's own place in it, the longest tail of its default path that exists there.
 */
function sourceIn(path: string, format: Format): string {
  if (!format.defaultPath || !statSync(path, { throwIfNoEntry: false })?.isDirectory()) return path;
  const parts = format.defaultPath.split("/");
  const inside = parts.map((_, i) => join(path, ...parts.slice(i))).find((p) => existsSync(p));
  return inside ?? path;
}

/**
 * `task import`: reads the tool's tasks, then creates or updates Nexus tasks in one locked write (none
 * with `dryRun`). Nothing is written when anything in the file is wrong.
 */
export function importTasks(
  tc: TaskContext,
  options: { from: string; path?: string; dryRun?: boolean },
): ImportResult {
  const format = formatOf(options.from, "--from");
  const path = sourceIn(pathOf(tc, format, options.path, "import"), format);
  const { tasks, skipped } = format.read(path);
  refuseDuplicates(format.tool, tasks);
  const { rows, warnings } = tc.store.write((tx) =>
    applyImport(tc, tx, { tool: format.tool, tasks, dryRun: options.dryRun }),
  );
  const count = (action: ImportRow["action"]) => rows.filter((r) => r.action === action).length;
  return {
    from: format.tool,
    path,
    dryRun: Boolean(options.dryRun),
    created: count("create"),
    updated: count("update"),
    unchanged: count("unchanged"),
    skipped,
    warnings,
    tasks: rows,
  };
}

function refuseDuplicates(tool: Tool, tasks: SourceTask[]): void {
  const seen = new Set<string>();
  for (const t of tasks) {
    if (!seen.has(t.id)) {
      seen.add(t.id);
      continue;
    }
    throw new UsageError(
      `Two ${tool} tasks have the id ${JSON.stringify(t.id)}.`,
      "Give each task its own id in the source, then import again; nothing was imported.",
    );
  }
}

/** A kept id that names a file (Backlog.md, Claude Code) must stay one name inside PATH. */
const safeId = (format: Format, id: string) =>
  format.kind === "file" || /^[\p{L}\p{N}_-][\p{L}\p{N}._:-]*$/u.test(id);

/** Nexus tasks as the tool's: its ids (kept from an import, else new), with the Nexus id beside them. */
function toSource(format: Format, tasks: Task[]): SourceTask[] {
  const sorted = [...tasks].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  );
  const used = new Set(sorted.flatMap((t) => (t.source?.tool === format.tool ? [t.source.id] : [])));
  const idOf = new Map<string, string>();
  for (const t of sorted) {
    let id = t.source?.tool === format.tool && safeId(format, t.source.id) ? t.source.id : undefined;
    if (!id) {
      id = format.newId(t.id, used);
      used.add(id);
    }
    idOf.set(t.id, id);
  }
  const requiredBy = new Map<string, string[]>();
  for (const t of sorted)
    for (const dep of t.dependsOn) requiredBy.set(dep, [...(requiredBy.get(dep) ?? []), idOf.get(t.id)!]);
  return sorted.map((t) => ({
    id: idOf.get(t.id)!,
    title: t.title,
    description: t.description,
    status: t.status,
    priority: t.priority,
    labels: t.labels,
    dependsOn: t.dependsOn.flatMap((d) => (idOf.has(d) ? [idOf.get(d)!] : [])),
    requiredBy: requiredBy.get(t.id) ?? [],
    checks: t.checks,
    ...(idOf.get(t.id) !== t.id ? { nexusId: t.id } : {}),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  }));
}

/** `task export`: every task, in the tool's files; existing files are replaced only with `force`. */
export function exportTasks(
  tc: TaskContext,
  options: { to: string; path?: string; force?: boolean },
): ExportResult {
  const format = formatOf(options.to, "--to");
  const path = pathOf(tc, format, options.path, "export");
  const tasks = toSource(format, tc.store.all());
  const files = format.render(tasks);
  const target = (name: string) => (format.kind === "file" ? path : join(path, name));
  const replaced =
    format.kind === "file"
      ? existsSync(path)
        ? [path]
        : []
      : filesOf(
          path,
          tasks.map((t) => t.id),
        ).map((n) => join(path, n));
  if (replaced.length && !options.force)
    throw new NexusError(
      `${replaced.length === 1 ? replaced[0] : `${replaced.length} files in ${path}`} already ${replaced.length === 1 ? "exists" : "exist"}.`,
      {
        category: "conflict",
        hint: "Pass --force to replace them (what the tool has that Nexus lacks is lost), or export to another PATH.",
      },
    );
  ensureDir(format.kind === "file" ? dirname(path) : path);
  for (const file of replaced) if (format.kind === "dir") rmSync(file, { force: true });
  const written = [...files].map(([name, content]) => {
    writeAtomic(target(name), content);
    return target(name);
  });
  return { to: format.tool, path, tasks: tasks.length, files: written };
}
