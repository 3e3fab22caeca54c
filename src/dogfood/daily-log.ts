import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import type { ProjectPaths } from "../core/paths.js";
import type { ActivityRow } from "../telemetry/probes.js";
import { dogfoodDir, ensureDogfoodDir } from "./friction.js";
import type { FrictionEntry } from "./friction-format.js";

/** Commands that put the user in a workspace: a different one than last time is a context switch. */
export const SWITCH_COMMANDS = ["workspace use", "workspace path", "workspace shell", "workspace exec"];

export interface DailyActivity {
  workspaces_active: number;
  context_switches: number;
  commands_run: number;
  errors: number;
}

/** Pure: the day's numbers from its telemetry rows. */
export function dailyActivity(rows: ActivityRow[]): DailyActivity {
  let switches = 0;
  let previous: string | undefined;
  for (const row of rows) {
    if (!SWITCH_COMMANDS.includes(row.command) || !row.workspace_hash) continue;
    if (previous !== undefined && previous !== row.workspace_hash) switches++;
    previous = row.workspace_hash;
  }
  return {
    workspaces_active: new Set(rows.map((r) => r.workspace_hash).filter(Boolean)).size,
    context_switches: switches,
    commands_run: rows.length,
    errors: rows.filter((r) => !r.success).length,
  };
}

/** The plan's daily log template. */
export interface DailyLog extends DailyActivity {
  date: string;
  friction_points: string[];
  workarounds: string[];
  wish_list: string[];
  satisfaction: number | null;
  improvement: string;
}

export interface Answers {
  wishList?: string[];
  satisfaction?: number;
  improvement?: string;
}

export function buildDailyLog(input: {
  date: string;
  activity: DailyActivity;
  friction: FrictionEntry[];
  answers: Answers;
  previous?: Partial<DailyLog>;
}): DailyLog {
  const { date, answers, previous } = input;
  const today = input.friction.filter((e) => e.date === date);
  return {
    date,
    ...input.activity,
    friction_points: today.map((e) => `${e.id} ${e.type}/${e.severity}: ${e.text}`),
    workarounds: today.filter((e) => e.workaround).map((e) => `${e.id}: ${e.workaround}`),
    wish_list: answers.wishList ?? previous?.wish_list ?? [],
    satisfaction: answers.satisfaction ?? previous?.satisfaction ?? null,
    improvement: answers.improvement ?? previous?.improvement ?? "",
  };
}

export function checkSatisfaction(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 10)
    throw new UsageError(
      `Satisfaction must be a whole number from 1 to 10, not ${value}.`,
      "e.g. --satisfaction 7",
    );
  return value;
}

/** The local day's bounds as ISO times (telemetry stores UTC). */
export function dayBounds(date: string): { from: string; to: string } {
  const start = new Date(`${date}T00:00:00`);
  const end = new Date(start.getTime());
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

function dailyLogFile(paths: Pick<ProjectPaths, "nexusDir">, date: string): string {
  return join(dogfoodDir(paths), `${date}.yaml`);
}

export async function readDailyLog(
  paths: Pick<ProjectPaths, "nexusDir">,
  date: string,
): Promise<Partial<DailyLog> | undefined> {
  const file = dailyLogFile(paths, date);
  if (!existsSync(file)) return undefined;
  const { parse } = await import("yaml");
  return parse(readFileSync(file, "utf8")) as Partial<DailyLog>;
}

export async function writeDailyLog(
  paths: Pick<ProjectPaths, "nexusDir">,
  log: DailyLog,
): Promise<{ file: string; text: string }> {
  ensureDogfoodDir(paths);
  const { stringify } = await import("yaml");
  const text = stringify(log, { lineWidth: 0 });
  const file = dailyLogFile(paths, log.date);
  writeFileSync(file, text);
  return { file, text };
}
