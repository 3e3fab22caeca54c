import { existsSync } from "node:fs";
import { join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { gitOk } from "../../core/git.js";
import { withLockAsync } from "../../core/lock.js";
import type { Report } from "../../core/report.js";
import type { TaskContext } from "../context.js";
import type { GateOptions } from "../gates.js";
import type { CheckResult, LandCause } from "../model.js";
import { shortCommit } from "../model.js";
import { integrationWorkspace, ownFilesChanged, rebaseOnto, runLandingChecks } from "./integrate.js";
import { type LandStep, landedSinceDone, landQueue } from "./plan.js";
import { pushLanding } from "./push.js";
import { landedEvent, recordLanded, sendBack, sendBackNote } from "./record.js";
import {
  checkoutOf,
  closeJournal,
  landTarget,
  moveTarget,
  openJournal,
  refuseDirtyCheckout,
  targetCommit,
} from "./target.js";

export interface LandOutcome {
  id: string;
  outcome: "landed" | "sent_back" | "skipped" | "pushed_for_review";
  /** landed: the target's new commit; pushed_for_review: the rebased commit pushed. */
  commit?: string;
  cause?: LandCause;
  files?: string[];
  /** Why it was sent back or skipped, in one line. */
  reason?: string;
  /** --push: whether the target reached the remote (a push failure does not undo the landing). */
  pushed?: true | string;
}

export interface LandResult {
  target: string;
  plan: LandStep[];
  outcomes: LandOutcome[];
  landed: string[];
  sentBack: string[];
}

export interface LandOptions extends GateOptions {
  ids?: string[];
  dryRun?: boolean;
  /** After each landing, push the target there (fast-forward only). */
  push?: string;
  /** Push each rebased, checked branch there (`land/<id>`) for a person to merge; the target stays. */
  review?: string;
  report?: Report;
  onStep?: (event: { id: string; step: "rebase" | "checks" | "move" | "push"; detail?: string }) => void;
}

/** One landing at a time per repository: the integration workspace and the target are shared. */
const LOCK_WAIT_MS = 60 * 60 * 1000;

/**
 * `nexus land`: for each queued task, in order, its verified commit is rebased onto the target in
 * the integration workspace, its checks and the project's gates run there, and the target moves
 * forward to the result (compare-and-swap, never forced) — or the task goes back to its assignee
 * with the conflict or the failing output. `--dry-run` only plans.
 */
export async function landTasks(tc: TaskContext, options: LandOptions = {}): Promise<LandResult> {
  const target = await landTarget(tc);
  if (options.dryRun) return summarise(target, await landQueue(tc, target, options.ids), []);
  const lock = join(tc.paths.gitCommonDir, "nexus-land.lock");
  if (existsSync(lock)) options.report?.info("Another landing is running here; waiting for it to finish…");
  return withLockAsync(lock, () => landLocked(tc, target, options), LOCK_WAIT_MS, options.signal);
}

async function landLocked(tc: TaskContext, target: string, options: LandOptions): Promise<LandResult> {
  await finishInterrupted(tc);
  const plan = await landQueue(tc, target, options.ids);
  const outcomes: LandOutcome[] = [];
  if (!plan.length) return summarise(target, plan, outcomes);
  if (options.signal?.aborted) throw interruptedAfter(outcomes);
  const checkout = options.review ? undefined : await checkoutOf(tc.paths.root, target);
  if (checkout) await refuseDirtyCheckout(checkout, target);
  const dir = await integrationWorkspace(tc, target, options.report);
  const notLanded = new Set<string>();
  for (const step of plan) {
    if (options.signal?.aborted) break;
    const outcome = waitsFor(tc, step, notLanded) ?? (await landOne(tc, { step, target, dir, options }));
    if (outcome.outcome === "sent_back" || outcome.outcome === "skipped") notLanded.add(step.id);
    outcomes.push(outcome);
  }
  if (options.signal?.aborted) throw interruptedAfter(outcomes);
  return summarise(target, plan, outcomes);
}

function interruptedAfter(outcomes: LandOutcome[]): NexusError {
  const landed = outcomes.filter((o) => o.outcome === "landed").length;
  return new NexusError(`Interrupted; ${landed} task(s) landed before it.`, {
    category: "interrupted",
    hint: "Run `nexus land` again to land the rest; the target is as the last landing left it.",
  });
}

/**
 * A task whose dependency was sent back or skipped in this run, or is not done (sent back earlier),
 * waits: its branch may carry that dependency's work, which would land with it.
 */
function waitsFor(tc: TaskContext, step: LandStep, notLanded: Set<string>): LandOutcome | undefined {
  for (const dep of tc.store.get(step.id).dependsOn) {
    const status = tc.store.find(dep)?.status ?? "done";
    if (notLanded.has(dep) || status !== "done")
      return { id: step.id, outcome: "skipped", reason: `its dependency ${dep} has not landed (${status})` };
  }
  return undefined;
}

function summarise(target: string, plan: LandStep[], outcomes: LandOutcome[]): LandResult {
  const ids = (kind: LandOutcome["outcome"]) => outcomes.filter((o) => o.outcome === kind).map((o) => o.id);
  return { target, plan, outcomes, landed: ids("landed"), sentBack: ids("sent_back") };
}

/** A landing a kill stopped after the target moved: its checkout and its record are finished now. */
async function finishInterrupted(tc: TaskContext): Promise<void> {
  const journal = await openJournal(tc);
  // A task deleted since has nothing to record; every later landing would fail on it otherwise.
  if (journal && tc.store.find(journal.task)) recordLanded(tc, journal.task, journal.event);
  closeJournal(tc);
}

interface StepArgs {
  step: LandStep;
  target: string;
  dir: string;
  options: LandOptions;
}

async function landOne(tc: TaskContext, args: StepArgs, attempt = 1): Promise<LandOutcome> {
  const { step, target, dir, options } = args;
  const { id } = step;
  const ready = await landable(tc, args);
  if (typeof ready !== "string") return ready;
  const old = await targetCommit(tc.paths.root, target);
  options.onStep?.({ id, step: "rebase", detail: `${shortCommit(ready)} onto ${target}` });
  const rebased = await rebaseOnto(dir, ready, old);
  if (!rebased.ok) {
    const text = `Conflicting files: ${rebased.files.join(", ")}\n${rebased.hunks}`;
    return back(tc, id, { cause: "conflict", target, text, files: rebased.files });
  }
  const own = await ownFilesChanged(dir, old, rebased.head);
  if (own.length) return back(tc, id, { cause: "own-files", target, text: own.join(" ") });
  const results = await checked(tc, args, tc.store.get(id).checks);
  const failed = results.filter((r) => r.exitCode !== 0);
  if (failed.length) return back(tc, id, { cause: "checks", target, text: failureText(failed), results });
  const landing = { target, commit: rebased.head, from: ready, results };
  if (options.review) return pushForReview(tc, { ...args, landing });
  const event = await landedEvent(tc, tc.store.get(id), landing);
  options.onStep?.({ id, step: "move", detail: `${target} → ${shortCommit(rebased.head)}` });
  const journal = { target, old, next: rebased.head, task: id, event };
  if (!(await moveTarget(tc, journal))) {
    if (options.signal?.aborted) return { id, outcome: "skipped", reason: "interrupted before it landed" };
    if (attempt < 3) return landOne(tc, args, attempt + 1);
    throw new NexusError(`${target} kept moving while ${id} was being landed; it was not landed.`, {
      category: "conflict",
      hint: "Run `nexus land` again when nothing else is committing to it.",
    });
  }
  recordLanded(tc, id, event);
  closeJournal(tc);
  return pushed(tc, args, { id, outcome: "landed", commit: rebased.head });
}

/** The commit to land (the one the task's gates passed on), or why it does not land. */
async function landable(tc: TaskContext, args: StepArgs): Promise<string | LandOutcome> {
  const { step, target } = args;
  const { id } = step;
  const task = tc.store.get(id);
  if (task.status !== "done" || tc.store.isUnverified(task) || landedSinceDone(task))
    return { id, outcome: "skipped", reason: `it is ${task.status} now, or landed already` };
  const [sha, dirty] = step.verified.split("+");
  if (step.verified === "unknown" || dirty) {
    const text = `its gates passed on uncommitted changes (${shortCommit(step.verified)}), not on a commit.`;
    return back(tc, id, { cause: "unverified", target, text });
  }
  if (await hasCommit(tc, sha!, step.workspace)) return sha!;
  const reason = `its verified commit ${shortCommit(sha!)} is not in this repository (for a workspace on a host: \`nexus workspace pull ${step.workspace}\` says why)`;
  return { id, outcome: "skipped", reason };
}

/** The commit is here, or (a workspace on a remote host) its branch is pulled from the host first. */
async function hasCommit(tc: TaskContext, sha: string, workspace: string): Promise<boolean> {
  const here = () => gitOk(["cat-file", "-e", `${sha}^{commit}`], tc.paths.root);
  if (await here()) return true;
  if (!tc.project.store.find(workspace)?.host) return false;
  const { pullWorkspace } = await import("../../workspace/remote/workspace.js");
  // A host that does not answer, or a diverged branch, skips this task; the others still land.
  const pulled = await pullWorkspace(tc.project, workspace).then(
    () => true,
    () => false,
  );
  return pulled && here();
}

/** --push: the target goes to the remote after the landing (a failure is reported, not undone). */
async function pushed(tc: TaskContext, args: StepArgs, outcome: LandOutcome): Promise<LandOutcome> {
  const remote = args.options.push;
  if (!remote) return outcome;
  args.options.onStep?.({ id: outcome.id, step: "push", detail: remote });
  const result = await pushLanding(tc, { remote, ref: args.target, from: `refs/heads/${args.target}` });
  return { ...outcome, pushed: result };
}

/** The task's own checks, then the project's gates, each once. */
async function checked(tc: TaskContext, args: StepArgs, own: string[]): Promise<CheckResult[]> {
  const checks = [...new Set([...own, ...tc.config.gates])];
  if (!checks.length)
    throw new NexusError(
      `Task ${args.step.id} has no checks and the project has no gates: nothing would check the landing.`,
      {
        category: "validation",
        hint: "Set `gates` in .nexus/config.yaml (or give the task a check), then run `nexus land` again.",
      },
    );
  args.options.onStep?.({ id: args.step.id, step: "checks", detail: `${checks.length} check(s)` });
  const timeoutMs = args.options.timeoutMs ?? tc.config.tasks.gate_timeout * 1000;
  return runLandingChecks(tc, checks, { ...args.options, timeoutMs });
}

async function pushForReview(
  tc: TaskContext,
  args: StepArgs & { landing: { target: string; commit: string; from: string; results: CheckResult[] } },
): Promise<LandOutcome> {
  const { step, options, landing } = args;
  const remote = options.review!;
  const ref = `land/${step.id}`;
  options.onStep?.({ id: step.id, step: "push", detail: `${remote} ${ref}` });
  const result = await pushLanding(tc, { remote, ref, from: landing.commit, force: true });
  if (result !== true)
    return { id: step.id, outcome: "skipped", reason: `push to ${remote} failed: ${result}` };
  const note = `rebased onto ${landing.target}, checked, and pushed to ${remote} as ${ref} for review`;
  recordLanded(
    tc,
    step.id,
    await landedEvent(tc, tc.store.get(step.id), { ...landing, note, review: remote }),
  );
  return { id: step.id, outcome: "pushed_for_review", commit: landing.commit, pushed: true };
}

function back(
  tc: TaskContext,
  id: string,
  why: { cause: LandCause; target: string; text: string; files?: string[]; results?: CheckResult[] },
): LandOutcome {
  const { cause, target, files, results } = why;
  const note = sendBackNote(cause, why);
  sendBack(tc, id, { cause, target, note, files, results });
  return { id, outcome: "sent_back", cause, ...(files ? { files } : {}), reason: note.split("\n")[0] };
}

function failureText(failed: CheckResult[]): string {
  return failed.map((r) => `$ ${r.command}\nexit ${r.exitCode}\n${r.outputTail}`).join("\n\n");
}
