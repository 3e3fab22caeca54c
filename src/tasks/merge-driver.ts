import { writeAtomic } from "../core/atomic.js";
import { preview, UsageError } from "../core/errors.js";
import { formatTasks, parseTasks, readText } from "./jsonl.js";
import { mergeTaskLists, splitConflict } from "./merge.js";

/** git calls this with the base, ours (also the output) and theirs; exit 0 means merged cleanly. */
export function runMergeDriver(base: string, ours: string, theirs: string): number {
  try {
    const [b, o, t] = [base, ours, theirs].map((file) => parseTasks(readText(file)));
    if ([b, o, t].some((p) => p!.errors.length || p!.conflicted)) return 1;
    writeAtomic(ours, formatTasks(mergeTaskLists(b!.tasks, o!.tasks, t!.tasks)));
    return 0;
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
