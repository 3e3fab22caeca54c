import { isNexusError } from "../core/errors.js";
import { oneLine, style } from "../core/output.js";
import type { Report } from "../core/report.js";
import type { TaskContext } from "../tasks/context.js";
import type { LandOptions, LandOutcome } from "../tasks/land/land.js";
import { landedSinceDone } from "../tasks/land/plan.js";
import { shortCommit } from "../tasks/model.js";
import { type RunState, type RunStatus, saveRun } from "./state.js";

type LoopEnd = { status: RunStatus; message: string };

/** What the landing takes from the loop's options. */
interface RalphLanding {
  signal?: AbortSignal;
  report?: Report;
  /** Push the target to this remote after the landing. */
  push?: string;
}

/**
 * `ralph run --land`: the task its gates (and its review agent) just finished lands on the target as
 * `nexus land ID` lands it, under the same lock, so parallel workers land one at a time. Landed, or
 * nothing to land: the run ends done. Sent back: undefined, and the loop goes on; the next iteration
 * starts the task again with the landing's feedback in its prompt. An interrupt stops the landing
 * before the target moves (the task stays done, `nexus land ID` lands it).
 */
export async function landDone(
  tc: TaskContext,
  args: { state: RunState; end: LoopEnd; options: RalphLanding },
): Promise<LoopEnd | undefined> {
  const { state, end, options } = args;
  const id = state.task;
  const host = tc.project.store.find(state.workspace)?.host;
  // Sent back, its agent on the host could not rebase onto this machine's target: it lands here, later.
  if (host)
    return notLanded(end, `its workspace is on host ${host}: \`nexus land ${id}\` pulls it and lands it`);
  if (options.signal?.aborted) return landFailed(tc, { ...args, error: undefined });
  options.report?.info(style.bold(`[${id}] landing`));
  const { landTasks } = await import("../tasks/land/land.js");
  try {
    const result = await landTasks(tc, landOptions(id, options));
    const outcome = result.outcomes.find((o) => o.id === id);
    if (!outcome) return notLanded(end, `it has no commits ${result.target} lacks`);
    return settle(tc, { state, end, options, outcome, target: result.target });
  } catch (error) {
    return landFailed(tc, { state, end, options, error });
  }
}

function landOptions(id: string, options: RalphLanding): LandOptions {
  const report = options.report;
  return {
    ids: [id],
    signal: options.signal,
    report,
    push: options.push,
    onStep: ({ step, detail }) => report?.info(`  ${step}${detail ? ` ${style.dim(oneLine(detail))}` : ""}`),
    onCheck: ({ command, result }) => {
      if (!result) return report?.info(`  ${style.dim("check")} ${oneLine(command)}`);
      report?.info(
        `  ${result.exitCode === 0 ? style.ok("pass") : style.error(`fail (exit ${result.exitCode})`)}`,
      );
    },
  };
}

interface Settled {
  state: RunState;
  end: LoopEnd;
  options: RalphLanding;
  outcome: LandOutcome;
  target: string;
}

function settle(tc: TaskContext, s: Settled): LoopEnd | undefined {
  const { state, end, outcome, target } = s;
  if (outcome.outcome === "landed") {
    state.landed = { target, commit: outcome.commit!, ...(outcome.pushed ? { pushed: outcome.pushed } : {}) };
    const pushed =
      outcome.pushed === undefined
        ? ""
        : outcome.pushed === true
          ? `, pushed to ${s.options.push}`
          : `; the push to ${s.options.push} failed: ${oneLine(outcome.pushed)}`;
    return {
      status: "done",
      message: `${end.message}; landed on ${target} as ${shortCommit(outcome.commit!)}${pushed}`,
    };
  }
  if (outcome.outcome !== "sent_back") return notLanded(end, outcome.reason ?? outcome.outcome);
  const last = state.iterations.at(-1);
  const why = `${outcome.cause}${outcome.files?.length ? `: ${outcome.files.join(", ")}` : ""}`;
  if (last) last.sentBack = why;
  saveRun(tc.paths.nexusDir, state);
  s.options.report?.warn(`[${state.task}] sent back by the landing (${oneLine(why)}); it goes round again`);
  return undefined;
}

function notLanded(end: LoopEnd, why: string): LoopEnd {
  return { status: end.status, message: `${end.message}; not landed: ${why}` };
}

/**
 * The landing stopped: interrupted (before the target moved, or just after it landed), or refused
 * (the target's checkout has uncommitted changes, …). The task stays done either way.
 */
function landFailed(
  tc: TaskContext,
  f: { state: RunState; end: LoopEnd; options: RalphLanding; error: unknown },
): LoopEnd {
  const { state, error } = f;
  const id = state.task;
  const task = tc.store.get(id);
  if (task.status === "done" && landedSinceDone(task)) {
    const event = [...task.history].reverse().find((e) => e.type === "landed")!;
    state.landed = { target: event.target ?? "", commit: event.commit ?? "" };
    return {
      status: "done",
      message: `${f.end.message}; landed on ${event.target} as ${shortCommit(event.commit ?? "")}`,
    };
  }
  const stays = `the task stays ${task.status}${task.status === "done" ? `: \`nexus land ${id}\` lands it` : ""}`;
  if (f.options.signal?.aborted)
    return { status: "interrupted", message: `stopped while landing, before ${id} landed; ${stays}` };
  if (!isNexusError(error)) throw error;
  const hint = error.hint ? ` (${error.hint})` : "";
  return {
    status: "error",
    message: `every gate passed, but the landing failed: ${error.message}${hint}; ${stays}`,
  };
}
