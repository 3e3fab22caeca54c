/**
 * What a command's end was, so the failure rate counts only Nexus's own failures:
 * - ok: exit 0;
 * - failed: Nexus could not do its job (internal, docker, git, config, timeout, ...);
 * - refused: Nexus said no and that was its job (a claim lost to another agent, bad input, a missing name);
 * - passed_through: the user's own command's exit code, passed through (`workspace exec`, `shell`, `use`);
 * - gate_failed: a task's verification gate failed, so the task was not completed.
 */
export type Outcome = "ok" | "failed" | "refused" | "passed_through" | "gate_failed";

export const OUTCOMES: readonly Outcome[] = ["ok", "failed", "refused", "passed_through", "gate_failed"];

/** Error categories that mean Nexus refused on purpose: the command did its job. */
const REFUSAL_CATEGORIES: readonly string[] = ["conflict", "validation", "not_found"];

export interface CommandEnd {
  exitCode: number;
  /** The category of the NexusError the command threw, if it threw one. */
  thrownCategory?: string;
  /** What the command noted while it ran (e.g. `gate_failed`), when it set the exit code itself. */
  notedCategory?: string;
  /** What the command said its non-zero exit is (only `passed_through` today). */
  notedOutcome?: Outcome;
}

export function outcomeOf(end: CommandEnd): Outcome {
  if (end.exitCode === 0) return "ok";
  const category = end.thrownCategory ?? end.notedCategory;
  if (category === "gate_failed") return "gate_failed";
  if (category && REFUSAL_CATEGORIES.includes(category)) return "refused";
  if (!end.thrownCategory && end.notedOutcome === "passed_through") return "passed_through";
  return "failed";
}

/** Rows stored without an outcome (an error event, a hand-made row) are read by their success flag. */
export function storedOutcome(outcome: string | null | undefined, success: number): Outcome {
  return (outcome as Outcome | null | undefined) ?? (success ? "ok" : "failed");
}

export const outcomeOfEvent = (e: { outcome?: Outcome | null; success: number }): Outcome =>
  storedOutcome(e.outcome, e.success);

/** Only this counts against Nexus's failure rate. */
export const isNexusFailure = (e: { outcome?: Outcome | null; success: number }): boolean =>
  outcomeOfEvent(e) === "failed";

/** SQL for the outcome of rows recorded before the column existed (the same rules as `outcomeOf`). */
export const BACKFILL_OUTCOME = `CASE
  WHEN success = 1 THEN 'ok'
  WHEN error_category = 'gate_failed' THEN 'gate_failed'
  WHEN error_category IN ('conflict', 'validation', 'not_found') THEN 'refused'
  WHEN error_category IS NULL AND command IN ('workspace exec', 'workspace shell', 'workspace use') THEN 'passed_through'
  ELSE 'failed' END`;
