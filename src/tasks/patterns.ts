import type { Task } from "./model.js";

type FailureCategory = "test" | "lint" | "type" | "build" | "other";

export interface Pattern {
  kind: "check" | "rejection";
  key: string;
  category: FailureCategory | "review";
  count: number;
  tasks: string[];
  firstSeen: string;
  lastSeen: string;
  example?: string;
}

function categorise(command: string): FailureCategory {
  if (/\b(tsc|typecheck|mypy|pyright|type-check)\b/.test(command)) return "type";
  if (/\b(lint|eslint|biome|ruff|flake8|vet|clippy|golangci)\b/.test(command)) return "lint";
  if (/\b(test|jest|vitest|pytest|mocha)\b/.test(command)) return "test";
  if (/\b(build|compile|make|cargo build|go build)\b/.test(command)) return "build";
  return "other";
}

function normalise(reason: string): string {
  return reason
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The key a pattern groups by: a check's command as it is, a rejection's reason normalised. */
export function patternId(kind: Pattern["kind"], key: string): string {
  if (kind === "check") return `check:${key}`;
  let id = normalised.get(key);
  if (id === undefined) {
    if (normalised.size > 10_000) normalised.clear();
    id = `rejection:${normalise(key)}`;
    normalised.set(key, id);
  }
  return id;
}

/** Send-backs repeat one reason per cause: each is normalised once (10,000 tasks' outcomes). */
const normalised = new Map<string, string>();

/** One recorded failure: a failed check of a gate run, or a rejection (key: its reason). */
export interface Failure {
  task: string;
  at: string;
  kind: Pattern["kind"];
  key: string;
  category: Pattern["category"];
  /** A failed check's output tail (a pattern shows the last lines of its first one). */
  output?: string;
}

/** One project has a few check commands, run thousands of times: each is categorised once. */
const categories = new Map<string, FailureCategory>();

/** A failure's category: a check's from its command (categorised once), a send-back's "review". */
export function categoryOf(kind: Failure["kind"], command: string): Failure["category"] {
  if (kind === "rejection") return "review";
  let category = categories.get(command);
  if (category === undefined) {
    if (categories.size > 10_000) categories.clear();
    category = categorise(command);
    categories.set(command, category);
  }
  return category;
}

/** Every failure in the tasks' histories since a time: the one walk patterns and feedback share. */
export function failuresOf(tasks: Task[], since = ""): Failure[] {
  const found: Failure[] = [];
  for (const task of tasks) {
    for (const event of task.history) {
      if (event.at < since) continue;
      if (event.type === "gate_failed")
        for (const r of event.results ?? [])
          found.push({
            task: task.id,
            at: event.at,
            kind: "check",
            key: r.command,
            category: categoryOf("check", r.command),
            output: r.outputTail,
          });
      if (event.type === "rejected")
        found.push({
          task: task.id,
          at: event.at,
          kind: "rejection",
          // A landing's send-back groups by its cause (its note quotes hunks or output, never the same twice).
          key: event.cause ? `sent back by nexus land: ${event.cause}` : (event.note ?? ""),
          category: "review",
        });
    }
  }
  return found;
}

/** Groups recorded gate failures by command and rejections by reason; recurring ones first. */
export function failurePatterns(tasks: Task[], minCount = 2, since = ""): Pattern[] {
  return patternsOf(failuresOf(tasks, since), minCount);
}

/** Groups failures (in the order recorded) by pattern; those seen at least `minCount` times, recurring ones first. */
export function patternsOf(failures: Failure[], minCount: number): Pattern[] {
  const groups = new Map<string, Pattern>();
  const seen = new Map<string, Set<string>>();
  for (const { task, at, kind, key, category, output } of failures) {
    if (kind === "rejection" && !key) continue;
    const id = patternId(kind, key);
    const group = groups.get(id) ?? {
      kind,
      key,
      category,
      ...(kind === "check" ? { example: output?.split("\n").slice(-3).join("\n") } : {}),
      count: 0,
      tasks: [],
      firstSeen: at,
      lastSeen: at,
    };
    group.count++;
    // A set beside the list: thousands of tasks failing one check stay linear.
    const tasksSeen = seen.get(id) ?? new Set();
    if (!tasksSeen.has(task)) group.tasks.push(task);
    tasksSeen.add(task);
    seen.set(id, tasksSeen);
    if (at < group.firstSeen) group.firstSeen = at;
    if (at > group.lastSeen) group.lastSeen = at;
    groups.set(id, group);
  }
  return [...groups.values()]
    .filter((g) => g.count >= minCount)
    .sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
}
