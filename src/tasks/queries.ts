import { oneLine } from "../core/visible.js";
import type { Task } from "./model.js";
import type { TaskRow } from "./store.js";

/**
 * Open tasks whose dependencies are all done, best first: priority, then age. A dependency marked
 * done without a passing gate run (unverified) does not count as done.
 */
export function readyTasks(open: TaskRow[], done: TaskRow[]): TaskRow[] {
  const finished = new Set(done.filter((d) => !d.unverified).map((d) => d.id));
  return open
    .filter((t) => t.status === "open" && t.dependsOn.every((d) => finished.has(d)))
    .sort(
      (a, b) => a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
}

export interface DepNode {
  id: string;
  title: string;
  status: string;
  children: DepNode[];
  missing?: boolean;
}

export function dependencyTree(
  find: (id: string) => Task | undefined,
  id: string,
  seen = new Set<string>(),
): DepNode {
  const task = find(id);
  if (!task) return { id, title: "(missing)", status: "missing", children: [], missing: true };
  if (seen.has(id)) return { id, title: task.title, status: task.status, children: [] };
  const next = new Set(seen).add(id);
  return {
    id,
    title: task.title,
    status: task.status,
    children: task.dependsOn.map((dep) => dependencyTree(find, dep, next)),
  };
}

export function renderTree(node: DepNode, prefix = "", last = true, root = true): string[] {
  const line = `${root ? "" : `${prefix}${last ? "└─ " : "├─ "}`}${oneLine(`${node.id} [${node.status}] ${node.title}`)}`;
  const childPrefix = root ? "" : `${prefix}${last ? "   " : "│  "}`;
  return [
    line,
    ...node.children.flatMap((c, i) => renderTree(c, childPrefix, i === node.children.length - 1, false)),
  ];
}
