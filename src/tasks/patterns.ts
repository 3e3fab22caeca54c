import type { Task } from "./model.js";

export type FailureCategory = "test" | "lint" | "type" | "build" | "other";

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

export function categorise(command: string): FailureCategory {
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

/** Groups recorded gate failures by command and rejections by reason; recurring ones first. */
export function failurePatterns(tasks: Task[], minCount = 2): Pattern[] {
  const groups = new Map<string, Pattern>();
  const add = (
    key: string,
    base: Omit<Pattern, "count" | "tasks" | "firstSeen" | "lastSeen">,
    at: string,
    taskId: string,
  ) => {
    const group = groups.get(key) ?? { ...base, count: 0, tasks: [], firstSeen: at, lastSeen: at };
    group.count++;
    if (!group.tasks.includes(taskId)) group.tasks.push(taskId);
    if (at < group.firstSeen) group.firstSeen = at;
    if (at > group.lastSeen) group.lastSeen = at;
    groups.set(key, group);
  };
  for (const task of tasks) {
    for (const event of task.history) {
      if (event.type === "gate_failed") {
        for (const r of event.results ?? []) {
          add(
            `check:${r.command}`,
            {
              kind: "check",
              key: r.command,
              category: categorise(r.command),
              example: r.outputTail.split("\n").slice(-3).join("\n"),
            },
            event.at,
            task.id,
          );
        }
      }
      if (event.type === "rejected" && event.note) {
        add(
          `rejection:${normalise(event.note)}`,
          { kind: "rejection", key: event.note, category: "review" },
          event.at,
          task.id,
        );
      }
    }
  }
  return [...groups.values()]
    .filter((g) => g.count >= minCount)
    .sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
}
