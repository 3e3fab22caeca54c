import { writeAtomic } from "../core/atomic.js";
import { preview, UsageError } from "../core/errors.js";
import type { TaskContext } from "./context.js";
import { formatTasks, parseTasks, readText } from "./jsonl.js";
import { mergeTaskLists, splitConflict } from "./merge.js";
import { conflictBase } from "./merge-base.js";

/** git calls this with the base, ours (also the output) and theirs; true when merged cleanly into ours. */
export function runMergeDriver(base: string, ours: string, theirs: string): boolean {
  try {
    const [b, o, t] = [base, ours, theirs].map((file) => parseTasks(readText(file)));
    if ([b, o, t].some((p) => p!.errors.length || p!.conflicted)) return false;
    writeAtomic(ours, formatTasks(mergeTaskLists(b!.tasks, o!.tasks, t!.tasks)));
    return true;
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if (!code) throw error;
    throw new UsageError(
      `The tasks merge driver cannot use ${preview(path ?? ours)}: ${code}.`,
      "git runs it as `nexus task merge-driver %O %A %B` with three readable files; ours must be writable.",
    );
  }
}

/**
 * Repairs a tasks.jsonl merged without the driver: both sides of every conflict are kept and
 * merged per task and field against `base` (the merge base's tasks.jsonl), as the driver does.
 */
export function repairConflictMarkers(text: string, base = ""): { conflicted: boolean; text: string } {
  if (!/^<{7}/m.test(text)) return { conflicted: false, text };
  const { ours, theirs } = splitConflict(text);
  const merged = mergeTaskLists(parseTasks(base).tasks, parseTasks(ours).tasks, parseTasks(theirs).tasks);
  return { conflicted: true, text: formatTasks(merged) };
}

/**
 * `task sync`: merges conflict markers in tasks.jsonl from the merge base (as the driver does) and
 * rebuilds the index. `base`: where the merge base came from (merge-base.ts), null when none was found.
 */
export async function syncTasks(tc: TaskContext) {
  const { store } = tc;
  const text = readText(store.file);
  const base = /^<{7}/m.test(text) ? await conflictBase(tc.paths, store.file, text) : undefined;
  const repaired = repairConflictMarkers(text, base?.text);
  if (repaired.conflicted) store.replaceAll(parseTasks(repaired.text).tasks);
  else store.sync();
  return { repaired: repaired.conflicted, tasks: store.rows().length, base: base?.source ?? null };
}
