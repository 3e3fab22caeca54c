import { NexusError } from "../../core/errors.js";
import { git, gitOk, gitRaw } from "../../core/git.js";
import { branchName } from "../../workspace/names.js";
import type { TaskContext } from "../context.js";
import type { Task } from "../model.js";

/** One task in the landing queue: its branch and how many commits it has that the target lacks. */
export interface LandStep {
  id: string;
  title: string;
  priority: number;
  workspace: string;
  branch: string;
  ahead: number;
}

export interface LandResult {
  target: string;
  plan: LandStep[];
  landed: string[];
  sentBack: string[];
}

export interface LandOptions {
  ids?: string[];
  dryRun?: boolean;
}

/**
 * `nexus land`: this slice computes the queue only (--dry-run). The queue is every task that is done
 * and verified (its signed gate run holds, as `task list` judges it), with a workspace whose branch
 * has commits the target lacks, ordered by dependencies, then priority, then id.
 */
export async function landTasks(tc: TaskContext, options: LandOptions = {}): Promise<LandResult> {
  const target = await landTarget(tc);
  const plan = await landQueue(tc, target, options.ids);
  if (!options.dryRun)
    throw new NexusError("Landing (rebase, gates, fast-forward) is not available yet; only the plan is.", {
      category: "validation",
      hint: "Run `nexus land --dry-run` to see what would land, and merge the branches yourself meanwhile.",
    });
  return { target, plan, landed: [], sentBack: [] };
}

/** `land.target` in .nexus/config.yaml, else the branch the main checkout has checked out. */
async function landTarget(tc: TaskContext): Promise<string> {
  const configured = tc.config.land.target;
  if (configured) {
    if (await gitOk(["rev-parse", "--verify", "-q", `refs/heads/${configured}`], tc.paths.root))
      return configured;
    throw new NexusError(`The landing target ${configured} (land.target) is not a branch here.`, {
      category: "validation",
      hint: "Fix `land.target` in .nexus/config.yaml, or remove it to land on the checked-out branch.",
    });
  }
  const ref = await gitRaw(["symbolic-ref", "-q", "--short", "HEAD"], tc.paths.root);
  const target = ref.stdout.trim();
  if (ref.exitCode === 0 && target) return target;
  throw new NexusError(
    "The main checkout has no branch checked out (detached HEAD); there is no target to land on.",
    {
      category: "validation",
      hint: "Check out the branch work should land on (e.g. `git switch main`) and retry.",
    },
  );
}

async function landQueue(tc: TaskContext, target: string, ids?: string[]): Promise<LandStep[]> {
  const wanted = ids?.length ? new Set(ids) : undefined;
  for (const id of wanted ?? []) tc.store.get(id);
  const candidates = tc.store
    .all()
    .filter((t) => (!wanted || wanted.has(t.id)) && t.status === "done" && t.workspace)
    .filter((t) => !tc.store.isUnverified(t));
  const steps: LandStep[] = [];
  for (const task of candidates) {
    const step = await stepFor(tc, task, target);
    if (step) steps.push(step);
  }
  return ordered(steps, new Map(candidates.map((t) => [t.id, t.dependsOn])));
}

async function stepFor(tc: TaskContext, task: Task, target: string): Promise<LandStep | undefined> {
  const workspace = task.workspace as string;
  const branch = branchName(workspace);
  const exists = await gitRaw(["rev-parse", "--verify", "-q", `refs/heads/${branch}`], tc.paths.root);
  if (exists.exitCode !== 0) return undefined;
  const ahead = Number(await git(["rev-list", "--count", `${target}..refs/heads/${branch}`], tc.paths.root));
  if (!ahead) return undefined;
  return { id: task.id, title: task.title, priority: task.priority, workspace, branch, ahead };
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
