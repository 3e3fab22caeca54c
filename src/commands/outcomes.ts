import type { Outcomes } from "../tasks/outcomes.js";

/**
 * The task outcomes of the project here over the last `days` (tasks/outcomes.ts says why they come
 * from the task histories); undefined outside a project. Read from the local task index only.
 */
export async function projectOutcomes(days: number, now = new Date()): Promise<Outcomes | undefined> {
  const { findProject } = await import("../core/paths.js");
  try {
    await findProject();
  } catch {
    return undefined;
  }
  const [{ openTasks }, { computeOutcomes }, { learntEntries }, { windowOf }, { join }, { printer }] =
    await Promise.all([
      import("../tasks/context.js"),
      import("../tasks/outcomes.js"),
      import("../skills/learn.js"),
      import("../telemetry/report.js"),
      import("node:path"),
      import("../core/output.js"),
    ]);
  const tc = await openTasks({ report: printer });
  // The index keeps the unverified ids (signatures are checked once per change of the file, not here).
  const unverified = new Set(tc.store.unverifiedIds());
  return computeOutcomes(tc.store.all(), {
    since: windowOf(days, now).since,
    now,
    skills: learntEntries(join(tc.paths.nexusDir, "skills")),
    isUnverified: (task) => unverified.has(task.id),
  });
}
