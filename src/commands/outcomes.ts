import type { Task } from "../tasks/model.js";
import type { Outcomes, SkillEntry } from "../tasks/outcomes.js";

/** The project's tasks, read once per command: the outcomes and the dogfood metrics share them. */
export interface ProjectTasks {
  tasks: Task[];
  unverified: Set<string>;
  skills: SkillEntry[];
}

/** The project here's tasks from its local index, or undefined outside a project. */
export async function projectTasks(): Promise<ProjectTasks | undefined> {
  const { findProject } = await import("../core/paths.js");
  try {
    await findProject();
  } catch {
    return undefined;
  }
  const [{ openTasks }, { learntEntries }, { join }, { printer }] = await Promise.all([
    import("../tasks/context.js"),
    import("../skills/learn.js"),
    import("node:path"),
    import("../core/output.js"),
  ]);
  const tc = await openTasks({ report: printer });
  return {
    tasks: tc.store.all(),
    // The index keeps the unverified ids (signatures are checked once per change of the file, not here).
    unverified: new Set(tc.store.unverifiedIds()),
    skills: learntEntries(join(tc.paths.nexusDir, "skills")),
  };
}

/**
 * The task outcomes over the last `days` (tasks/outcomes.ts says why they come from the task
 * histories); undefined outside a project. Read from the local task index only.
 */
export async function projectOutcomes(
  days: number,
  project?: ProjectTasks,
  now = new Date(),
): Promise<Outcomes | undefined> {
  const here = project ?? (await projectTasks());
  if (!here) return undefined;
  const [{ computeOutcomes }, { windowOf }] = await Promise.all([
    import("../tasks/outcomes.js"),
    import("../telemetry/report.js"),
  ]);
  return computeOutcomes(here.tasks, {
    since: windowOf(days, now).since,
    now,
    skills: here.skills,
    isUnverified: (task) => here.unverified.has(task.id),
  });
}
