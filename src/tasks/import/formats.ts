import { readdirSync, readFileSync, statSync } from "node:fs";
import { NexusError, NotFoundError, UsageError } from "../../core/errors.js";
import type { SourceTask, Tool } from "./mapper.js";

/** One tool's task files: where they live, how to read them into SourceTasks and write them back. */
export interface Format {
  tool: Tool;
  /** A single file (beads, Taskmaster) or a folder of files (Backlog.md, Claude Code). */
  kind: "file" | "dir";
  /** Where the tool keeps its tasks, from the project root; none: PATH is required (Claude Code). */
  defaultPath?: string;
  read(path: string): { tasks: SourceTask[]; skipped: number };
  /** The files to write, by name (relative to PATH for a folder). */
  render(tasks: SourceTask[]): Map<string, string>;
  /** The tool id for a task that has none there yet. */
  newId(nexusId: string, used: Set<string>): string;
}

/** The files in a folder that belong to the task `id` (Backlog.md names files `task-1 - Title.md`). */
export function filesOf(dir: string, ids: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  return names.filter((n) => {
    const stem = n.replace(/\.(json|md)$/, "").toLowerCase();
    return wanted.has(stem) || wanted.has(stem.split(" - ")[0]!);
  });
}

export function readSource(path: string, tool: Tool): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw missing(path, tool, error);
  }
}

export function listDir(path: string, tool: Tool, suffix: string): string[] {
  try {
    if (!statSync(path).isDirectory())
      throw new UsageError(`${path} is not a folder.`, `Give the folder of ${tool} task files (*${suffix}).`);
    return readdirSync(path)
      .filter((n) => n.endsWith(suffix) && !n.startsWith("."))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  } catch (error) {
    if (error instanceof NexusError) throw error;
    throw missing(path, tool, error);
  }
}

function missing(path: string, tool: Tool, error: unknown): NexusError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT")
    return new NotFoundError(
      `No ${tool} tasks at ${path}.`,
      `Give the path of the ${tool} tasks: nexus task import --from ${tool} PATH`,
    );
  return new NexusError(`Cannot read ${path}: ${(error as Error).message}`, {
    category: "environment",
    hint: "Check the file's permissions.",
  });
}

/** JSON.parse, with the file and what is wrong in the message instead of a SyntaxError. */
export function parseJson(text: string, where: string, tool: Tool): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformed(where, tool, (error as Error).message);
  }
}

export function malformed(where: string, tool: Tool, why: string): UsageError {
  return new UsageError(
    `${where} is not a ${tool} task file: ${why}.`,
    `Check that it is the file ${tool} wrote (--from ${tool}); nothing was imported.`,
  );
}

export const asRecord = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** The next free number after every numbered id in use (`task-7` → 8 with prefix "task-"). */
export function nextNumber(used: Set<string>, prefix = ""): number {
  let max = 0;
  for (const id of used) {
    const m = id.startsWith(prefix) ? /^\d+$/.exec(id.slice(prefix.length)) : null;
    if (m) max = Math.max(max, Number(m[0]));
  }
  return max + 1;
}
