import { factsOf, type TaskFacts, type TaskOutcome } from "./facts.js";
import type { Task } from "./model.js";
import { categoryOf, type Failure, patternId, patternsOf } from "./patterns.js";

/**
 * Outcomes, not just commands: how tasks went from claim to verified done.
 *
 * Computed from the task histories (.nexus/tasks.jsonl through the TaskStore's SQLite index), not
 * from telemetry's domain events, because only the histories hold what these figures need: every
 * gate run with its failed checks (telemetry records `completed`, never a failed run made by Ralph
 * or MCP), who claimed the task (telemetry stores keyed hashes, so it could never name an agent),
 * and the rejection reasons and check commands the patterns group by (contents telemetry must never
 * store). The histories are also every agent's work, shared through git, where telemetry is one
 * machine's and may be off or purged. Both are local: nothing is read over the network.
 * What the figures need from each history is derived once, when the index takes the task in: its
 * facts (facts.ts), which is all `outcomesOf` reads.
 */

/** Tasks taken together: one agent's, or everyone's. */
export interface OutcomeFigures {
  tasks: number;
  /** Tasks with at least one gate run: the first-pass rate's denominator. */
  gated: number;
  firstPassRate: number;
  attempts: number;
  attemptsPerTask: number;
  done: number;
  medianMsToDone: number;
}

/** A troubleshooting entry a skill keeps, with when it was learnt (skills/learn.ts). */
export interface SkillEntry {
  skill: string;
  kind: "check" | "rejection";
  key: string;
  learnt?: string;
}

/** Repeats of a skill's pattern in equal windows before and after it was learnt: a correlation only. */
export interface SkillEffect extends SkillEntry {
  /** How long each window is: from the learnt time to now, and as long before it. */
  windowMs: number;
  before: { repeats: number; tasks: number };
  after: { repeats: number; tasks: number };
}

export interface Outcomes {
  since: string;
  overall: OutcomeFigures;
  byAgent: ({ agent: string } & OutcomeFigures)[];
  /** Send-backs by `nexus land` group by their cause; check failures by their command. */
  byPattern: { kind: "check" | "rejection"; key: string; category: string; count: number; tasks: number }[];
  bySkill: SkillEffect[];
  /** Attempts per task: 1, 2, 3, 4 or more (done tasks and open ones alike). */
  attemptsHistogram: { attempts: string; tasks: number }[];
  tasks: TaskOutcome[];
}

const middle = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function figuresOf(outcomes: TaskOutcome[]): OutcomeFigures {
  const gated = outcomes.filter((o) => o.firstPass !== undefined);
  const attempts = outcomes.reduce((n, o) => n + o.attempts, 0);
  const times = outcomes.flatMap((o) => (o.msToDone === undefined ? [] : [o.msToDone]));
  return {
    tasks: outcomes.length,
    gated: gated.length,
    firstPassRate: gated.length ? gated.filter((o) => o.firstPass).length / gated.length : 0,
    attempts,
    attemptsPerTask: outcomes.length ? attempts / outcomes.length : 0,
    done: times.length,
    medianMsToDone: middle(times),
  };
}

function byAgent(outcomes: TaskOutcome[]): Outcomes["byAgent"] {
  const groups = new Map<string, TaskOutcome[]>();
  for (const o of outcomes) {
    const list = groups.get(o.agent);
    if (list) list.push(o);
    else groups.set(o.agent, [o]);
  }
  return [...groups]
    .map(([agent, list]) => ({ agent, ...figuresOf(list) }))
    .sort((a, b) => b.tasks - a.tasks || a.agent.localeCompare(b.agent));
}

function histogram(outcomes: TaskOutcome[]): Outcomes["attemptsHistogram"] {
  const buckets = ["1", "2", "3", "4+"].map((attempts) => ({ attempts, tasks: 0 }));
  for (const o of outcomes) if (o.attempts > 0) buckets[Math.min(o.attempts, 4) - 1]!.tasks++;
  return buckets;
}

/** The facts' failures since a time, in the order recorded (task by task, each in history order). */
function failuresSince(facts: TaskFacts[], since: string): Failure[] {
  const found: Failure[] = [];
  for (const f of facts)
    for (const [at, kind, key] of f.failures)
      if (at >= since) found.push({ task: f.id, at, kind, key, category: categoryOf(kind, key) });
  return found;
}

/**
 * Repeats of each learnt entry's pattern in the time since it was learnt and in a window as long just
 * before: fewer after is a correlation (the work may have changed too), never proof the skill helped.
 */
export function skillEffects(facts: TaskFacts[], entries: SkillEntry[], now: Date): SkillEffect[] {
  if (!entries.some((e) => e.learnt)) return [];
  return entries.flatMap((entry) => {
    if (!entry.learnt) return [];
    const learnt = Date.parse(entry.learnt);
    const span = Math.max(0, now.getTime() - learnt);
    const from = new Date(learnt - span).toISOString();
    const id = patternId(entry.kind, entry.key);
    // When this entry's pattern failed: read in place, no list of every failure or run is built.
    const mine: string[] = [];
    for (const f of facts)
      for (const [at, kind, key] of f.failures)
        if (kind === entry.kind && patternId(kind, key) === id) mine.push(at);
    const count = (lo: string, hi: string) => {
      const gated = new Set<string>();
      for (const f of facts) if (f.runs.some((at) => at >= lo && at < hi)) gated.add(f.id);
      return { repeats: mine.filter((at) => at >= lo && at < hi).length, tasks: gated.size };
    };
    const end = new Date(now.getTime() + 1).toISOString();
    return [
      {
        ...entry,
        windowMs: span,
        before: count(from, entry.learnt),
        after: count(entry.learnt, end),
      },
    ];
  });
}

/** Pure: the tasks' facts (and the skills' learnt entries) in, outcome figures out. */
export function outcomesOf(
  facts: TaskFacts[],
  options: { since: string; now: Date; skills?: SkillEntry[] },
): Outcomes {
  // A task counts in the window it was claimed (or first gated) in.
  const outcomes = facts.flatMap((f) =>
    f.outcome && f.outcome.claimedAt >= options.since ? [f.outcome] : [],
  );
  return {
    since: options.since,
    overall: figuresOf(outcomes),
    byAgent: byAgent(outcomes),
    byPattern: patternsOf(failuresSince(facts, options.since), 1).map((p) => ({
      kind: p.kind,
      key: p.key,
      category: p.category,
      count: p.count,
      tasks: p.tasks.length,
    })),
    bySkill: skillEffects(facts, options.skills ?? [], options.now),
    attemptsHistogram: histogram(outcomes),
    tasks: outcomes,
  };
}

/** Pure: task histories in, outcome figures out (through each task's facts, as the index keeps them). */
export function computeOutcomes(
  tasks: Task[],
  options: { since: string; now: Date; skills?: SkillEntry[]; isUnverified?: (task: Task) => boolean },
): Outcomes {
  return outcomesOf(
    tasks.map((t) => factsOf(t, options.isUnverified?.(t) ?? false)),
    options,
  );
}
