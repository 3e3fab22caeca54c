import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../core/atomic.js";
import type { IterationSummary } from "./prompt.js";

export type RunStatus =
  | "running"
  | "done"
  | "awaiting_review"
  | "max_iterations"
  | "no_progress"
  | "repeated_failure"
  | "rate_limited"
  | "budget"
  | "interrupted"
  | "error";

export interface RunState {
  id: string;
  task: string;
  title: string;
  workspace: string;
  agent: string;
  pid: number;
  status: RunStatus;
  message: string;
  startedAt: string;
  updatedAt: string;
  iterations: (IterationSummary & { durationMs: number; log: string })[];
  /** `--land`: where the task landed (and, with `--push`, true or why the push failed). */
  landed?: { target: string; commit: string; pushed?: true | string };
}

export function runsDir(nexusDir: string): string {
  return join(nexusDir, "runs");
}

/** Written after every iteration, so a crash leaves the last known state on disk. */
export function saveRun(nexusDir: string, state: RunState): void {
  const dir = join(runsDir(nexusDir), state.id);
  mkdirSync(dir, { recursive: true });
  writeAtomic(
    join(dir, "state.json"),
    `${JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every run, newest first; a "running" run whose process is gone is reported as interrupted. */
export function listRuns(nexusDir: string): RunState[] {
  const dir = runsDir(nexusDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, "state.json")))
    .map((d) => JSON.parse(readFileSync(join(dir, d, "state.json"), "utf8")) as RunState)
    .map((s) =>
      s.status === "running" && !alive(s.pid)
        ? { ...s, status: "interrupted" as const, message: "the ralph process is gone" }
        : s,
    )
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
