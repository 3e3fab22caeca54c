import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { NexusError } from "../core/errors.js";
import { serializeTask, type Task, validateTask } from "./model.js";

export interface ParsedFile {
  tasks: Task[];
  /** Lines that could not be read; the other tasks still load. */
  errors: { line: number; message: string }[];
  conflicted: boolean;
  /** 1-based line of the first git conflict marker; 0 when there is none. */
  conflictLine: number;
}

export function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Change detection, not security: sha1 is twice as fast as sha256 on a 5 MB file. */
export function hashText(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export function parseTasks(text: string): ParsedFile {
  const result: ParsedFile = { tasks: [], errors: [], conflicted: false, conflictLine: 0 };
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    if (/^(<{7}|={7}|>{7}|\|{7})/.test(line)) {
      result.conflicted = true;
      result.conflictLine ||= index + 1;
      return;
    }
    try {
      result.tasks.push(validateTask(JSON.parse(line)));
    } catch (error) {
      const message =
        error instanceof SyntaxError
          ? `invalid JSON: ${error.message}`
          : `not a valid task: ${(error as Error).message}`;
      result.errors.push({ line: index + 1, message });
    }
  });
  return result;
}

/** One task a line, sorted by id: diffs and merges stay per task. */
export function formatTasks(tasks: Task[]): string {
  const sorted = [...tasks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.map((t) => `${serializeTask(t)}\n`).join("");
}

export function corruptLinesError(file: string, errors: ParsedFile["errors"]): NexusError {
  const first = errors[0]!;
  return new NexusError(
    `${file}:${first.line}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more lines)` : ""}.`,
    {
      category: "validation",
      hint: "Fix or remove that line (the other tasks still load); `nexus task sync` repairs merge-conflict markers.",
    },
  );
}

/** A tasks.jsonl that git left with conflict markers: nothing reads it until `task sync` merges it. */
export function conflictError(file: string, line: number): NexusError {
  return new NexusError(
    `${file}:${line}: git conflict marker: tasks.jsonl was merged without the Nexus merge driver.`,
    {
      category: "validation",
      hint: "Run `nexus task sync`: it merges both sides from their merge base, as the driver would have; then `git add .nexus/tasks.jsonl`.",
    },
  );
}
