import type { TaskFacts } from "../tasks/facts.js";
import type { Outcomes, SkillEntry } from "../tasks/outcomes.js";

/** The project's task facts, read once per command: the outcomes and the dogfood metrics share them. */
export interface ProjectTasks {
  facts: TaskFacts[];
  unverified: Set<string>;
  skills: SkillEntry[];
}

/**
 * The facts (tasks/facts.ts) of the project here's tasks changed in the last `days` (or early enough
 * for a learnt skill's "before" window) from its local index, or undefined outside a project.
 */
export async function projectTasks(days: number, now = new Date()): Promise<ProjectTasks | undefined> {
  const { findProject } = await import("../core/paths.js");
  try {
    await findProject();
  } catch {
    return undefined;
  }
  const [{ openTasks }, { learntEntries }, { join }, { printer }, { windowOf }] = await Promise.all([
    import("../tasks/context.js"),
    import("../skills/learn.js"),
    import("node:path"),
    import("../core/output.js"),
    import("../telemetry/report.js"),
  ]);
  const tc = await openTasks({ report: printer });
  const skills = learntEntries(join(tc.paths.nexusDir, "skills"));
  return {
    facts: tc.store.facts(earliest(windowOf(days, now).since, skills, now)),
    // The index keeps the unverified ids (signatures are checked once per change of the file, not here).
    unverified: new Set(tc.store.unverifiedIds()),
    skills,
  };
}

/** The window's start, or the start of the oldest learnt entry's "before" window if earlier. */
function earliest(since: string, skills: SkillEntry[], now: Date): string {
  const starts = skills.flatMap((s) => (s.learnt ? [2 * Date.parse(s.learnt) - now.getTime()] : []));
  const first = Math.min(Date.parse(since), ...starts.filter(Number.isFinite));
  return new Date(first).toISOString();
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
  const here = project ?? (await projectTasks(days, now));
  if (!here) return undefined;
  const [{ outcomesOf }, { windowOf }] = await Promise.all([
    import("../tasks/outcomes.js"),
    import("../telemetry/report.js"),
  ]);
  // Each task's facts were judged verified or not when it was indexed, as the unverified ids were.
  return outcomesOf(here.facts, { since: windowOf(days, now).since, now, skills: here.skills });
}
