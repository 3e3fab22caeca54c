import { KEY_ORDER, serializeTask, type Task, type TaskEvent } from "./model.js";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Three-way merge of task lists, per task and per field: a field changed on one side only takes
 * that change; changed on both, the newer task wins. Histories are unioned, so no event is lost.
 * A task deleted on one side stays deleted only if the other side left it untouched.
 */
export function mergeTaskLists(base: Task[], ours: Task[], theirs: Task[]): Task[] {
  const byId = (tasks: Task[]) => new Map(tasks.map((t) => [t.id, t]));
  const [b, o, t] = [byId(base), byId(ours), byId(theirs)];
  const merged: Task[] = [];
  for (const id of new Set([...o.keys(), ...t.keys()])) {
    const [bt, ot, tt] = [b.get(id), o.get(id), t.get(id)];
    if (ot && tt) merged.push(mergeTask(bt, ot, tt));
    else if (ot && !(bt && !tt && serializeTask(bt) === serializeTask(ot))) merged.push(ot);
    else if (tt && !(bt && !ot && serializeTask(bt) === serializeTask(tt))) merged.push(tt);
  }
  return merged.sort((x, y) => (x.id < y.id ? -1 : 1));
}

function mergeTask(base: Task | undefined, ours: Task, theirs: Task): Task {
  const newer = ours.updatedAt >= theirs.updatedAt ? ours : theirs;
  const result: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    if (key === "history") continue;
    const [o, t] = [ours[key], theirs[key]];
    if (same(o, t)) result[key] = o;
    else if (base && same(base[key], o)) result[key] = t;
    else if (base && same(base[key], t)) result[key] = o;
    else result[key] = newer[key];
  }
  const history = unionHistory(ours.history, theirs.history);
  return {
    ...(result as unknown as Task),
    history,
    updatedAt: [ours.updatedAt, theirs.updatedAt].sort()[1]!,
    rejections: history.filter((e) => e.type === "rejected").length,
  };
}

function unionHistory(a: TaskEvent[], b: TaskEvent[]): TaskEvent[] {
  const events = new Map<string, TaskEvent>();
  for (const event of [...a, ...b]) events.set(event.id, event);
  return [...events.values()].sort((x, y) => x.at.localeCompare(y.at) || x.id.localeCompare(y.id));
}

/**
 * Splits a file git left with conflict markers into our side and their side, and (from
 * diff3-style `|||||||` sections) the base, with the lines outside the conflicts.
 */
export function splitConflict(text: string): {
  ours: string;
  theirs: string;
  base: string;
  hasBase: boolean;
} {
  const sides = { ours: [] as string[], base: [] as string[], theirs: [] as string[] };
  let section: "both" | "ours" | "base" | "theirs" = "both";
  let hasBase = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("<<<<<<<")) section = "ours";
    else if (line.startsWith("|||||||")) [section, hasBase] = ["base", true];
    else if (line.startsWith("=======") && section !== "both") section = "theirs";
    else if (line.startsWith(">>>>>>>")) section = "both";
    else if (section === "both") for (const side of Object.values(sides)) side.push(line);
    else sides[section].push(line);
  }
  return {
    ours: sides.ours.join("\n"),
    theirs: sides.theirs.join("\n"),
    base: sides.base.join("\n"),
    hasBase,
  };
}
