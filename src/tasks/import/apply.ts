import { NexusError } from "../../core/errors.js";
import { record, type TaskContext } from "../context.js";
import { newTaskId } from "../ids.js";
import { checksChange } from "../integrity.js";
import { checkTaskFields } from "../lifecycle.js";
import { newTask, type Task, type TaskStatus } from "../model.js";
import type { TaskTx } from "../store.js";
import type { SourceTask, Tool } from "./mapper.js";

type ImportAction = "create" | "update" | "unchanged";

export interface ImportRow {
  action: ImportAction;
  id: string;
  source: string;
  title: string;
  status: TaskStatus;
  /** The commands the task's checks will run (from command-only acceptance criteria). */
  checks: string[];
  /** The fields an update changes; for a kept status, `status (kept: in_progress)`. */
  changes: string[];
}

/** The fields an import sets, compared field by field to decide create, update or unchanged. */
const FIELDS = ["title", "description", "status", "priority", "labels", "dependsOn", "checks"] as const;
type Fields = Pick<Task, (typeof FIELDS)[number]>;

/** Events an import writes: a task with nothing else in its history was never worked on in Nexus. */
const IMPORT_EVENTS = new Set(["imported", "import_updated", "checks_changed"]);

/**
 * Plans the import against the tasks as they are under the store's lock, then (unless `dryRun`)
 * puts every created and updated task in the same transaction: one locked write for the whole file.
 */
export function applyImport(
  tc: TaskContext,
  tx: TaskTx,
  input: { tool: Tool; tasks: SourceTask[]; dryRun?: boolean },
): { rows: ImportRow[]; warnings: string[] } {
  const existing = tc.store.all();
  const { matches, ids, resolve, warnings } = matchTasks(existing, input.tool, input.tasks);
  const deps = dependencies(input.tasks, ids, resolve);
  const planned = new Map(existing.map((t) => [t.id, t.dependsOn]));
  for (const [i, id] of ids.entries()) planned.set(id, deps[i]!);
  refuseCycle(planned);
  const now = tc.now().getTime();
  const rows = input.tasks.map((s, i) => {
    const fields: Fields = { ...pick(s), dependsOn: deps[i]! };
    checkFields(input.tool, s, fields);
    const match = matches[i];
    const at = new Date(now - (input.tasks.length - 1 - i)).toISOString();
    const result = match
      ? updated(tc, match, fields, input.tool)
      : created(tc, fields, s, at, { id: ids[i]!, tool: input.tool });
    if (result.task && !input.dryRun) tx.put(result.task);
    return rowOf(s, ids[i]!, match, result.task ?? match!, result.changes);
  });
  return { rows, warnings };
}

/**
 * Each record's task: the one an earlier import from the tool made, the one an export came from
 * (its Nexus id beside the tool's), or a new id; and how a tool id in a dependency becomes a Nexus id.
 */
function matchTasks(existing: Task[], tool: Tool, tasks: SourceTask[]) {
  const byId = new Map(existing.map((t) => [t.id, t]));
  const bySource = new Map(existing.filter((t) => t.source?.tool === tool).map((t) => [t.source!.id, t]));
  const taken = new Set(byId.keys());
  const count = existing.length + tasks.length;
  const matched = new Set<string>();
  // A task is matched once: a second record that names it (by a copied `nexus` id) is a new task.
  const matches = tasks.map((s) => {
    const match = bySource.get(s.id) ?? (s.nexusId ? byId.get(s.nexusId) : undefined) ?? byId.get(s.id);
    if (!match || matched.has(match.id)) return undefined;
    matched.add(match.id);
    return match;
  });
  const ids = matches.map((match) => {
    const id = match?.id ?? newTaskId((candidate) => taken.has(candidate), count);
    taken.add(id);
    return id;
  });
  const idOf = new Map(tasks.map((s, i) => [s.id, ids[i]!]));
  const warnings: string[] = [];
  const resolve = (dep: string, from: string) => {
    const id = idOf.get(dep) ?? bySource.get(dep)?.id ?? (byId.has(dep) ? dep : undefined);
    if (!id) warnings.push(`${tool} ${from} depends on ${dep}, which is not in the file: left out`);
    return id;
  };
  return { matches, ids, resolve, warnings };
}

const pick = (s: SourceTask) => ({
  title: s.title.trim(),
  description: s.description,
  status: s.status,
  priority: s.priority,
  labels: s.labels,
  checks: s.checks,
});

/** Each record's dependencies as Nexus ids: its own, and those of the records that name it as required. */
function dependencies(
  tasks: SourceTask[],
  ids: string[],
  resolve: (dep: string, from: string) => string | undefined,
): string[][] {
  const index = new Map(tasks.map((s, i) => [s.id, i]));
  const deps = tasks.map((s) => s.dependsOn.map((d) => resolve(d, s.id)));
  tasks.forEach((s, i) => {
    for (const waiting of s.requiredBy) {
      const at = index.get(waiting);
      if (at === undefined) resolve(waiting, s.id);
      else deps[at]!.push(ids[i]);
    }
  });
  return deps.map((list, i) => [
    ...new Set(list.filter((d): d is string => d !== undefined && d !== ids[i])),
  ]);
}

/** A cycle would leave every task on it waiting forever: refused, naming it, before anything is written. */
function refuseCycle(graph: Map<string, string[]>): void {
  const state = new Map<string, 1 | 2>();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = graph.get(top[0])?.[top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
      } else if (state.get(next) === 1) {
        const cycle = [...stack.slice(stack.findIndex(([id]) => id === next)).map(([id]) => id), next];
        throw new NexusError(`The imported dependencies make a cycle: ${cycle.join(" -> ")}.`, {
          category: "validation",
          hint: "Remove one of those dependencies in the source, then import again; nothing was imported.",
        });
      } else if (!state.has(next) && graph.has(next)) {
        state.set(next, 1);
        stack.push([next, 0]);
      }
    }
  }
}

/** The limits every task obeys, with the source id in the message; one bad record stops the import. */
function checkFields(tool: Tool, s: SourceTask, fields: Fields): void {
  try {
    if (!fields.title) throw new NexusError("it has no title", { category: "validation" });
    checkTaskFields(fields);
  } catch (error) {
    const e = error as NexusError;
    throw new NexusError(`${tool} task ${s.id}: ${e.message}`, {
      category: "validation",
      hint: `${e.hint ? `${e.hint} ` : ""}Fix it in the source and import again; nothing was imported.`,
    });
  }
}

function created(tc: TaskContext, f: Fields, s: SourceTask, at: string, where: { id: string; tool: Tool }) {
  const { id, tool } = where;
  // Dated in the file's order (a millisecond apart, ending now), so lists keep the source's order.
  const task: Task = { ...newTask(id, at), ...f, source: { tool, id: s.id } };
  // The event names the source; a done task has no gate run behind it, so it lists as unverified.
  const note = `imported from ${tool} ${s.id}`;
  return {
    task: record(tc, task, { type: "imported", to: f.status, note, checksAfter: f.checks }),
    changes: [] as string[],
  };
}

/**
 * The changed fields, written with one event. The status follows the source only while the task
 * has not been worked on in Nexus: after that Nexus's own status (and its gate runs) stand.
 */
function updated(tc: TaskContext, task: Task, f: Fields, tool: Tool): { task?: Task; changes: string[] } {
  const untouched = task.history.every((e) => IMPORT_EVENTS.has(e.type));
  const changes = FIELDS.filter((k) => JSON.stringify(task[k]) !== JSON.stringify(f[k]));
  const statusKept = changes.includes("status") && !untouched;
  const applied = changes.filter((k) => !(k === "status" && statusKept));
  const kept = statusKept ? [`status (kept: ${task.status})`] : [];
  if (!applied.length) return { changes: kept };
  let next: Task = { ...task, ...f, ...(statusKept ? { status: task.status } : {}) };
  const checks = applied.includes("checks") ? checksChange(tc, task, f.checks) : undefined;
  if (checks) next = record(tc, next, checks);
  const move = next.status !== task.status ? { from: task.status, to: next.status } : {};
  const note = `updated from ${tool}: ${applied.join(", ")}`;
  next = record(tc, next, { type: "import_updated", note, ...move });
  return { task: next, changes: [...applied, ...kept] };
}

function rowOf(s: SourceTask, id: string, match: Task | undefined, task: Task, changes: string[]): ImportRow {
  const action: ImportAction = !match
    ? "create"
    : changes.some((c) => !c.startsWith("status (kept"))
      ? "update"
      : "unchanged";
  return { action, id, source: s.id, title: task.title, status: task.status, checks: task.checks, changes };
}
