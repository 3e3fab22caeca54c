import type { RunState, RunStatus } from "./state.js";

const NO_CHANGE_LIMIT = 3;
const SAME_FAILURE_LIMIT = 5;

/**
 * Three iterations in a row that change nothing, or the same failure five times: stop paying for it.
 * A landing that sends the task back counts as that iteration's failure (`--land`).
 */
export function circuitBreaker(state: RunState): { status: RunStatus; message: string } | undefined {
  const recent = state.iterations.slice(-NO_CHANGE_LIMIT);
  if (recent.length === NO_CHANGE_LIMIT && recent.every((i) => !i.changed)) {
    return {
      status: "no_progress",
      message: `${NO_CHANGE_LIMIT} iterations in a row changed nothing in the worktree`,
    };
  }
  const failures = state.iterations
    .slice(-SAME_FAILURE_LIMIT)
    .map((i) => (i.sentBack ? `sent back: ${i.sentBack}` : i.passed ? "" : i.failures.join("|")));
  if (failures.length === SAME_FAILURE_LIMIT && failures[0] && failures.every((f) => f === failures[0])) {
    return {
      status: "repeated_failure",
      message: `the same failure ${SAME_FAILURE_LIMIT} times in a row: ${failures[0]}`,
    };
  }
  return undefined;
}
