import type { Task, TaskStatus } from "../model.js";

/**
 * The shared mapping between Nexus's task fields and each tool's: statuses, priorities, acceptance
 * criteria. Every format module reads its files into `SourceTask`s and writes them back from the
 * same shape; nothing here touches the disk or the task store.
 */
export const TOOLS = ["beads", "taskmaster", "backlog", "claude"] as const;
export type Tool = (typeof TOOLS)[number];

/** One task as a tool holds it, in Nexus's terms; ids are the tool's own. */
export interface SourceTask
  extends Pick<Task, "id" | "title" | "description" | "status" | "priority" | "labels" | "checks"> {
  /** Tool ids this task waits for (blocks, blockedBy, dependencies). */
  dependsOn: string[];
  /** Tool ids that wait for this one (a parent waits for its children; Claude's `blocks`). */
  requiredBy: string[];
  /** The Nexus id an export wrote beside the tool's id (a re-import into the same project finds it). */
  nexusId?: string;
  /** Written by an export where the tool keeps dates; an import dates tasks itself. */
  createdAt?: string;
  updatedAt?: string;
}

/**
 * What an export keeps beside the tool's own fields, under a `nexus` key, for what the tool cannot
 * say (priority 4 in a three-level scale, a rejected task). An import uses it only while the tool's
 * own field still says what the export wrote: an edit made in the tool wins.
 */
export interface NexusExtra {
  id?: string;
  status?: string;
  priority?: number;
  labels?: string[];
  checks?: string[];
}

const STATUS_IN: Record<Tool, Record<string, TaskStatus>> = {
  beads: { open: "open", in_progress: "in_progress", blocked: "blocked", closed: "done" },
  taskmaster: {
    pending: "open",
    "in-progress": "in_progress",
    review: "in_progress",
    blocked: "blocked",
    done: "done",
  },
  backlog: { "to do": "open", "in progress": "in_progress", blocked: "blocked", done: "done" },
  claude: { pending: "open", in_progress: "in_progress", completed: "done" },
};

const STATUS_OUT: Record<Tool, Record<TaskStatus, string>> = {
  beads: {
    open: "open",
    in_progress: "in_progress",
    verifying: "in_progress",
    awaiting_review: "in_progress",
    rejected: "open",
    blocked: "blocked",
    done: "closed",
  },
  taskmaster: {
    open: "pending",
    in_progress: "in-progress",
    verifying: "in-progress",
    awaiting_review: "review",
    rejected: "pending",
    blocked: "blocked",
    done: "done",
  },
  backlog: {
    open: "To Do",
    in_progress: "In Progress",
    verifying: "In Progress",
    awaiting_review: "In Progress",
    rejected: "To Do",
    blocked: "To Do",
    done: "Done",
  },
  claude: {
    open: "pending",
    in_progress: "in_progress",
    verifying: "in_progress",
    awaiting_review: "in_progress",
    rejected: "pending",
    blocked: "pending",
    done: "completed",
  },
};

/**
 * Statuses an import may restore from the `nexus` key. Not `verifying` or `awaiting_review`: both
 * claim a gate run that a file cannot prove, so they come back as in_progress. A `done` is restored
 * as the tool says it, and stays unverified until its gates pass in Nexus (see import/apply.ts).
 */
const RESTORABLE = new Set<TaskStatus>(["open", "in_progress", "rejected", "blocked", "done"]);

export function statusOut(tool: Tool, status: TaskStatus): string {
  return STATUS_OUT[tool][status];
}

/** The Nexus status for a tool's; an unknown one is open, with the tool's word kept as a label. */
export function statusIn(
  tool: Tool,
  native: string | undefined,
  extra?: NexusExtra,
): { status: TaskStatus; label?: string } {
  const word = (native ?? "").trim();
  const status = extra?.status as TaskStatus | undefined;
  if (status && RESTORABLE.has(status) && statusOut(tool, status).toLowerCase() === word.toLowerCase())
    return { status };
  const mapped = STATUS_IN[tool][word.toLowerCase()];
  if (mapped || !word) return { status: mapped ?? "open" };
  return { status: "open", label: `status:${word.toLowerCase().replace(/\s+/g, "-")}` };
}

const WORDS: Partial<Record<Tool, { in: Record<string, number>; out: string[] }>> = {
  taskmaster: {
    in: { critical: 0, high: 1, medium: 2, low: 3 },
    out: ["critical", "high", "medium", "low", "low"],
  },
  backlog: { in: { high: 1, medium: 2, low: 3 }, out: ["high", "high", "medium", "low", "low"] },
};

/** A priority as the tool writes it: beads 0-4 as Nexus; words for Taskmaster and Backlog; none for Claude. */
export function priorityOut(tool: Tool, priority: number): string | number | undefined {
  if (tool === "beads") return priority;
  return WORDS[tool]?.out[priority];
}

export function priorityIn(tool: Tool, native: unknown, extra?: NexusExtra): number {
  const p = extra?.priority;
  if (Number.isInteger(p) && p! >= 0 && p! <= 4 && priorityOut(tool, p!) === native) return p!;
  if (tool === "beads")
    return Number.isInteger(native) && (native as number) >= 0 ? Math.min(native as number, 4) : 2;
  const words = WORDS[tool]?.in ?? {};
  return typeof native === "string" ? (words[native.trim().toLowerCase()] ?? 2) : 2;
}

/** `npm test` alone on a line (a list item or not): a real command, so a check. */
const COMMAND = /^(?:[-*+]\s+)?(?:\[[ xX]\]\s+)?(?:#\d+\s+)?(`+)([\s\S]+?)\1\s*$/;

/**
 * Acceptance criteria to checks: only a criterion that is nothing but one command in backticks
 * becomes a check; prose ("users can log in") stays text, because a check is a command Nexus runs.
 */
export function splitCriteria(lines: string[]): { checks: string[]; prose: string[] } {
  const checks: string[] = [];
  const prose: string[] = [];
  for (const line of lines) {
    const code = COMMAND.exec(line.trim())?.[2];
    // As Markdown reads a code span: one space either side is padding when both are there.
    const command = code && /^ [\s\S]* $/.test(code) && code.trim() ? code.slice(1, -1) : code;
    if (command?.trim()) checks.push(command);
    else if (line.trim()) prose.push(line);
  }
  return { checks, prose };
}

/** Checks written as criteria a later import reads back as checks (a longer fence around backticks). */
export const criteriaOf = (checks: string[]) =>
  checks.map((c) => {
    const fence = "`".repeat(Math.max(0, ...(c.match(/`+/g) ?? []).map((r) => r.length)) + 1);
    const pad = /^[` ]|[` ]$/.test(c) ? " " : "";
    return `${fence}${pad}${c}${pad}${fence}`;
  });

/** The description with the tool's other text fields after it, each under its heading, when not empty. */
export function withSections(description: string, sections: [string, string | undefined][]): string {
  const extra = sections.filter(([, t]) => t?.trim()).map(([heading, t]) => `## ${heading}\n\n${t!.trim()}`);
  if (!extra.length) return description;
  return [description, ...extra].filter(Boolean).join("\n\n");
}

export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v) => typeof v === "string" || typeof v === "number").map(String) : [];

export function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The `nexus` key of a record, when it is an object. */
export function extraOf(value: unknown): NexusExtra | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as NexusExtra) : undefined;
}

/** What an export writes under `nexus`: only what the tool's own fields lose. */
export function extraFor(tool: Tool, task: SourceTask, keep: { labels?: boolean; checks?: boolean } = {}) {
  const extra: NexusExtra = { ...(task.nexusId ? { id: task.nexusId } : {}) };
  if (STATUS_IN[tool][statusOut(tool, task.status).toLowerCase()] !== task.status) extra.status = task.status;
  if (priorityIn(tool, priorityOut(tool, task.priority)) !== task.priority) extra.priority = task.priority;
  if (keep.labels && task.labels.length) extra.labels = task.labels;
  if (keep.checks && task.checks.length) extra.checks = task.checks;
  return Object.keys(extra).length ? extra : undefined;
}
