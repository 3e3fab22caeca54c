import type { Task, TaskEvent } from "./model.js";
import { type Failure, failuresOf } from "./patterns.js";

/** A failed check (key: its command) or a send-back (key: its reason or cause); its category follows. */
type FactFailure = [at: string, kind: Failure["kind"], key: string];

/**
 * What the outcome figures (outcomes.ts) and the dogfood metrics need from one task, derived once
 * when the task is indexed and kept in the index beside it (TaskStore.facts): `stats`, `insights` and
 * `dashboard` then read a few hundred bytes a task instead of parsing every history, output tail and
 * note. `factsOf` is pure, so the figures computed from tasks and from the index are one computation.
 */
export interface TaskFacts {
  id: string;
  /** Its way to done, with no window (the window is a filter on `claimedAt`); absent when never claimed or gated. */
  outcome?: TaskOutcome;
  /** When each of its gate runs was made (skill effects count the tasks gated in a window). */
  runs: string[];
  /**
   * Its failed checks and send-backs, in history order, as tuples (a fifth less to parse than objects);
   * no output tail: nothing that reads facts shows one.
   */
  failures: FactFailure[];
  /** Its first history event's time ("" when it has none): the dogfood metrics' window. */
  first: string;
  /** Creation to its first claim, assignment or start, in ms; absent when it was never taken. */
  assignMs?: number;
}

/** One task's way to done. */
export interface TaskOutcome {
  id: string;
  /** Who claimed it first (else who ran its first gate run). */
  agent: string;
  claimedAt: string;
  /** Gate runs until it first became done (all of them when it did not). */
  attempts: number;
  /** Whether its first gate run passed; undefined when no gate run was recorded. */
  firstPass?: boolean;
  /** Claim to the first transition to done (gates passed, or approved after review). */
  msToDone?: number;
}

const isGateRun = (e: TaskEvent) => e.type === "gate_failed" || e.type === "gates_passed";

/** The task's outcome, or undefined when it was never claimed (or gated). */
function taskOutcome(task: Task, unverified: boolean): TaskOutcome | undefined {
  const claim =
    task.history.find((e) => e.type === "claimed" || e.type === "started") ?? task.history.find(isGateRun);
  if (!claim) return undefined;
  const doneAt = task.history.findIndex((e) => e.to === "done" && e.at >= claim.at);
  const runs = (doneAt < 0 ? task.history : task.history.slice(0, doneAt + 1)).filter(isGateRun);
  const outcome: TaskOutcome = { id: task.id, agent: claim.by, claimedAt: claim.at, attempts: runs.length };
  if (runs.length) outcome.firstPass = runs[0]!.type === "gates_passed";
  // A done task without a passing, signed gate run (a hand edit) is not verified done.
  if (doneAt >= 0 && !(unverified && task.status === "done"))
    outcome.msToDone = Date.parse(task.history[doneAt]!.at) - Date.parse(claim.at);
  return outcome;
}

/** The time from creation to the first claim, assignment or start; undefined when never taken. */
function assignDelayOf(task: {
  createdAt?: string;
  history: { at: string; type: string; to?: string }[];
}): number | undefined {
  const created = task.history.find((e) => e.type === "created")?.at ?? task.createdAt;
  const taken = task.history.find(
    (e) => e.to === "in_progress" || e.type === "claimed" || e.type === "assigned",
  );
  return created && taken ? Date.parse(taken.at) - Date.parse(created) : undefined;
}

/** Pure: one task's facts; `unverified` is whether it is done without a passing, signed gate run. */
export function factsOf(task: Task, unverified: boolean): TaskFacts {
  const facts: TaskFacts = {
    id: task.id,
    runs: task.history.filter(isGateRun).map((e) => e.at),
    failures: failuresOf([task]).map(({ at, kind, key }): FactFailure => [at, kind, key]),
    first: task.history[0]?.at ?? "",
  };
  const outcome = taskOutcome(task, unverified);
  if (outcome) facts.outcome = outcome;
  const assignMs = assignDelayOf(task);
  if (assignMs !== undefined) facts.assignMs = assignMs;
  return facts;
}
