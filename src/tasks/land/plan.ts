import { gitRaw } from "../../core/git.js";
import { branchName } from "../../workspace/names.js";
import type { TaskContext } from "../context.js";
import { claimedProof } from "../integrity.js";
import type { Task } from "../model.js";
import { INTEGRATION } from "./integrate.js";

/** One task in the landing queue: its branch, the commit its gates passed on, and what the target lacks. */
export interface LandStep {
  id: string;
  title: string;
  priority: number;
  workspace: string;
  branch: string;
  /** The commit the task's passing gate run checked (`+dirty` when the tree had uncommitted changes). */
  verified: string;
  /** Commits of the verified commit the target lacks (0 when it is not in this repository). */
  ahead: number;
}

/**
 * The queue: every task that is done and verified (its signed gate run holds, as `task list` judges
 * it), not landed since it was last done, with a workspace whose branch exists here, ordered by
 * dependencies, then priority, then id.
 */
export async function landQueue(tc: TaskContext, target: string, ids?: string[]): Promise<LandStep[]> {
  const wanted = ids?.length ? new Set(ids) : undefined;
  for (const id of wanted ?? []) tc.store.get(id);
  const candidates = tc.store
    .all()
    .filter((t) => (!wanted || wanted.has(t.id)) && t.status === "done" && t.workspace)
    // Landings check out and clean the integration workspace: it is never a task's own.
    .filter((t) => t.workspace !== INTEGRATION)
    .filter((t) => !tc.store.isUnverified(t) && !landedSinceDone(t));
  const steps: LandStep[] = [];
  for (const task of candidates) {
    const step = await stepFor(tc, task, target);
    if (step) steps.push(step);
  }
  return ordered(steps, new Map(candidates.map((t) => [t.id, t.dependsOn])));
}

/** A `landed` record after the task's last change of state: it is on the target already. */
export function landedSinceDone(task: Task): boolean {
  for (let i = task.history.length - 1; i >= 0; i--) {
    const e = task.history[i]!;
    if (e.type === "landed") return true;
    if (e.to !== undefined) return false;
  }
  return false;
}

async function stepFor(tc: TaskContext, task: Task, target: string): Promise<LandStep | undefined> {
  const workspace = task.workspace as string;
  const branch = branchName(workspace);
  const verified = claimedProof(task)?.commit ?? "unknown";
  const sha = verified.split("+")[0]!;
  const exists = await gitRaw(["rev-parse", "--verify", "-q", `${sha}^{commit}`], tc.paths.root);
  if (exists.exitCode !== 0) {
    // Not here (a remote workspace not pulled yet): listed, and the landing says what to do.
    const hasBranch = await gitRaw(["rev-parse", "--verify", "-q", `refs/heads/${branch}`], tc.paths.root);
    if (hasBranch.exitCode !== 0 && !tc.project.store.find(workspace)?.host) return undefined;
    return { id: task.id, title: task.title, priority: task.priority, workspace, branch, verified, ahead: 0 };
  }
  const count = await gitRaw(["rev-list", "--count", `refs/heads/${target}..${sha}`], tc.paths.root);
  const ahead = Number(count.stdout.trim()) || 0;
  if (!ahead && !verified.endsWith("+dirty")) return undefined;
  return { id: task.id, title: task.title, priority: task.priority, workspace, branch, verified, ahead };
}

/** Dependencies first (among the queued tasks), then priority (lower number first), then id. */
export function ordered(steps: LandStep[], deps: Map<string, string[]>): LandStep[] {
  const byRank = [...steps].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  const queued = new Set(byRank.map((s) => s.id));
  const out: LandStep[] = [];
  const placed = new Set<string>();
  const visit = (step: LandStep, seen: Set<string>): void => {
    if (placed.has(step.id) || seen.has(step.id)) return;
    seen.add(step.id);
    for (const dep of deps.get(step.id) ?? []) {
      const before = queued.has(dep) ? byRank.find((s) => s.id === dep) : undefined;
      if (before) visit(before, seen);
    }
    placed.add(step.id);
    out.push(step);
  };
  for (const step of byRank) visit(step, new Set());
  return out;
}
