import type { Db } from "../core/db.js";
import type { Report } from "../core/report.js";
import type { TaskFacts } from "../tasks/facts.js";
import { activityBetween } from "../telemetry/probes.js";
import { openTelemetry } from "../telemetry/store.js";
import {
  type Answers,
  buildDailyLog,
  checkSatisfaction,
  type DailyLog,
  dailyActivity,
  dayBounds,
  readDailyLog,
  writeDailyLog,
} from "./daily-log.js";
import { checkDate, listFriction, today } from "./friction.js";
import { type DogfoodSummary, frictionCounts, speedFiguresOf, successMetrics } from "./metrics.js";

/** The project here, if there is one: stats and dashboard also work outside a project. */
async function projectHere() {
  const { findProject } = await import("../core/paths.js");
  return findProject().catch(() => undefined);
}

/** Friction counts (in a project) and the plan's success metrics, for `stats` and `dashboard`. */
export async function dogfoodSummary(
  db: Db,
  days: number,
  /** `facts`: the project's task facts when the caller read them already (one read per command). */
  options: { now?: Date; report?: Report; facts?: TaskFacts[] } = {},
): Promise<DogfoodSummary> {
  const now = options.now ?? new Date();
  const { windowOf } = await import("../telemetry/report.js");
  const since = windowOf(days, now).since;
  const paths = await projectHere();
  const delays: number[] = [];
  if (paths) {
    const { openTasks } = await import("../tasks/context.js");
    const all = options.facts ?? (await openTasks({ report: options.report })).store.facts();
    // Tasks whose history starts in the window: creation to their first claim, assignment or start.
    for (const f of all) if (f.first >= since && f.assignMs !== undefined) delays.push(f.assignMs);
  }
  return {
    friction: paths ? frictionCounts(listFriction(paths).entries, since.slice(0, 10)) : undefined,
    // Counted in SQLite, from the read `stats` makes of the same window (stats-sql.ts).
    successMetrics: successMetrics(speedFiguresOf(db, since), delays),
  };
}

/** `nexus log [DATE]`: the day it logs (today unless given), checked before anything is asked. */
export function logDay(date?: string): string {
  return checkDate(date ?? today());
}

/** `nexus log DATE`: the day's log from telemetry and the friction log, plus the user's answers. */
export async function writeDayLog(
  date: string,
  answers: Omit<Answers, "satisfaction"> & { satisfaction?: string },
): Promise<{ log: DailyLog; file: string; text: string }> {
  const { satisfaction } = answers;
  const checked = satisfaction === undefined ? undefined : checkSatisfaction(Number(satisfaction));
  const { findProject } = await import("../core/paths.js");
  const paths = await findProject();
  const db = await openTelemetry();
  try {
    const { from, to } = dayBounds(date);
    const log = buildDailyLog({
      date,
      activity: dailyActivity(activityBetween(db, from, to)),
      friction: listFriction(paths).entries,
      answers: { ...answers, satisfaction: checked },
      previous: await readDailyLog(paths, date),
    });
    return { log, ...(await writeDailyLog(paths, log)) };
  } finally {
    db.close();
  }
}
