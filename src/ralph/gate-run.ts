import { isNexusError } from "../core/errors.js";
import type { TaskContext } from "../tasks/context.js";
import { type CompleteResult, completeTask } from "../tasks/verify.js";

/** An iteration's gate run: the recorded one, or a check that timed out (recorded nowhere, fed back). */
export type IterationGates =
  | { recorded: true; result: CompleteResult; failures: string[] }
  | { recorded: false; failures: string[] };

/**
 * Runs the task's gates for the loop. A check that times out leaves the task as it was (`complete`
 * records nothing then), but the agent must hear of it: it comes back as this iteration's failure.
 * An interrupt (the loop's signal) resolves with nothing; every other error goes up.
 */
export async function iterationGates(
  tc: TaskContext,
  options: { id: string; iteration: number; signal?: AbortSignal },
): Promise<IterationGates | undefined> {
  try {
    const result = await completeTask(tc, {
      id: options.id,
      note: `ralph iteration ${options.iteration}`,
      signal: options.signal,
    });
    const failures = result.gates.results
      .filter((r) => r.exitCode !== 0)
      .map((r) => `${r.command} (exit ${r.exitCode})`);
    return { recorded: true, result, failures };
  } catch (error) {
    if (options.signal?.aborted) return undefined;
    if (!isNexusError(error) || error.category !== "timeout") throw error;
    return { recorded: false, failures: [error.message.split("\n")[0]!] };
  }
}
