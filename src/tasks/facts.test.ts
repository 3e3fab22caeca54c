import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { factsOf, type TaskFacts } from "./facts.js";
import { taskProject } from "./fixtures.test-helper.js";
import { formatTasks, parseTasks } from "./jsonl.js";
import { newTask, type Task, type TaskEvent } from "./model.js";
import { computeOutcomes, outcomesOf, type SkillEntry } from "./outcomes.js";
import { failurePatterns, failuresOf, patternId } from "./patterns.js";

/** A seeded history: claims, starts, gate runs of one or two checks, send-backs, reviews, hand edits. */
function seeded(count: number, seed = 7): { tasks: Task[]; unverified: Set<string> } {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const day0 = Date.parse("2026-01-01T00:00:00.000Z");
  const tasks: Task[] = [];
  const unverified = new Set<string>();
  for (let i = 0; i < count; i++) {
    let t = day0 + Math.floor(random() * 60) * 86_400_000 + Math.floor(random() * 86_400_000);
    let n = 0;
    const by = pick(["alice", "bob", "carol", "ralph"]);
    const history: TaskEvent[] = [];
    const ev = (type: string, extra: Partial<TaskEvent> = {}) => {
      t += Math.floor(random() * 3 * 3_600_000);
      history.push({ id: `e${i}-${n++}`, at: new Date(t).toISOString(), by, type, ...extra });
    };
    if (random() < 0.9) ev("created", { to: "open" });
    if (random() < 0.2) ev("assigned");
    const first = random();
    if (first < 0.6) ev("claimed", { to: "in_progress" });
    else if (first < 0.75) ev("started", { to: "in_progress" });
    for (let step = Math.floor(random() * 7); step > 0; step--) step1(random, pick, ev);
    const id = `nx-${i.toString(36).padStart(5, "0")}`;
    const done = history.some((e) => e.to === "done") && random() < 0.8;
    if (done && random() < 0.3) unverified.add(id);
    tasks.push({
      ...newTask(id, history[0]?.at ?? new Date(day0).toISOString()),
      title: `task ${i}`,
      description: "a description the facts do not keep",
      status: done ? "done" : pick(["open", "in_progress", "rejected", "done"]),
      assignee: by,
      updatedAt: new Date(t).toISOString(),
      history,
    });
  }
  return { tasks, unverified };
}

function step1(
  random: () => number,
  pick: <T>(xs: T[]) => T,
  ev: (type: string, e?: Partial<TaskEvent>) => void,
) {
  const r = random();
  const result = (command: string) => ({
    command,
    exitCode: 1,
    durationMs: 5,
    outputTail: `${command} failed`,
  });
  if (r < 0.3)
    ev("gate_failed", {
      to: "in_progress",
      results: [result(pick(["npm test", "npm run lint", "tsc --noEmit", "make"]))].concat(
        random() < 0.3 ? [result("npm test")] : [],
      ),
    });
  else if (r < 0.55) ev("gates_passed", { to: pick(["done", "done", "awaiting_review"]) });
  else if (r < 0.65) ev("approved", { to: "done" });
  else if (r < 0.75) ev("rejected", { to: "rejected", cause: pick(["conflict", "checks"]) });
  else if (r < 0.85)
    ev("rejected", { to: "rejected", note: pick(["Needs tests!", "needs  tests", "", undefined]) });
  else if (r < 0.92) ev("started", { to: "in_progress" });
  else ev("updated", { note: "a note the facts do not keep" });
}

/** Today's computation from the full tasks, as it was before the facts (the figures must not move). */
function reference(tasks: Task[], since: string, unverified: Set<string>) {
  const isRun = (e: TaskEvent) => e.type === "gate_failed" || e.type === "gates_passed";
  return tasks.flatMap((task) => {
    const claim =
      task.history.find((e) => e.type === "claimed" || e.type === "started") ?? task.history.find(isRun);
    if (!claim || claim.at < since) return [];
    const doneAt = task.history.findIndex((e) => e.to === "done" && e.at >= claim.at);
    const runs = (doneAt < 0 ? task.history : task.history.slice(0, doneAt + 1)).filter(isRun);
    const o: Record<string, unknown> = {
      id: task.id,
      agent: claim.by,
      claimedAt: claim.at,
      attempts: runs.length,
    };
    if (runs.length) o.firstPass = runs[0]!.type === "gates_passed";
    if (doneAt >= 0 && !(unverified.has(task.id) && task.status === "done"))
      o.msToDone = Date.parse(task.history[doneAt]!.at) - Date.parse(claim.at);
    return [o];
  });
}

function referenceSkills(tasks: Task[], entries: SkillEntry[], now: Date) {
  const failures = failuresOf(tasks);
  const runs = tasks.flatMap((t) =>
    t.history
      .filter((e) => e.type === "gate_failed" || e.type === "gates_passed")
      .map((e) => ({ task: t.id, at: e.at })),
  );
  return entries.flatMap((entry) => {
    if (!entry.learnt) return [];
    const learnt = Date.parse(entry.learnt);
    const span = Math.max(0, now.getTime() - learnt);
    const mine = failures.filter(
      (f) => f.kind === entry.kind && patternId(f.kind, f.key) === patternId(entry.kind, entry.key),
    );
    const count = (lo: string, hi: string) => ({
      repeats: mine.filter((f) => f.at >= lo && f.at < hi).length,
      tasks: new Set(runs.filter((r) => r.at >= lo && r.at < hi).map((r) => r.task)).size,
    });
    const end = new Date(now.getTime() + 1).toISOString();
    const before = count(new Date(learnt - span).toISOString(), entry.learnt);
    return [{ ...entry, windowMs: span, before, after: count(entry.learnt, end) }];
  });
}

/** Today's dogfood delays: tasks whose history starts in the window, creation to first claim/assignment/start. */
function referenceDelays(tasks: Task[], since: string): number[] {
  return tasks
    .filter((t) => (t.history[0]?.at ?? "") >= since)
    .flatMap((task) => {
      const created = task.history.find((e) => e.type === "created")?.at ?? task.createdAt;
      const taken = task.history.find(
        (e) => e.to === "in_progress" || e.type === "claimed" || e.type === "assigned",
      );
      return created && taken ? [Date.parse(taken.at) - Date.parse(created)] : [];
    });
}

const delaysOf = (facts: TaskFacts[], since: string) =>
  facts.flatMap((f) => (f.first >= since && f.assignMs !== undefined ? [f.assignMs] : []));

const now = new Date("2026-03-05T00:00:00.000Z");
const since = "2026-02-03T00:00:00.000Z";
const skills: SkillEntry[] = [
  { skill: "troubleshooting-test", kind: "check", key: "npm test", learnt: "2026-02-20T00:00:00.000Z" },
  {
    skill: "troubleshooting-review",
    kind: "rejection",
    key: "needs tests",
    learnt: "2026-02-10T12:00:00.000Z",
  },
  { skill: "troubleshooting-lint", kind: "check", key: "npm run lint" },
];

describe("task facts: the outcome figures from the index equal today's from the full histories", () => {
  const { tasks, unverified } = seeded(400);

  it("gives the same outcomes, patterns, skill effects and delays as the task-based computation", () => {
    const outcomes = computeOutcomes(tasks, {
      since,
      now,
      skills,
      isUnverified: (t) => unverified.has(t.id),
    });
    expect(outcomes.tasks).toEqual(reference(tasks, since, unverified));
    expect(outcomes.tasks.some((o) => o.msToDone === undefined && unverified.has(o.id))).toBe(true);
    // Tasks claimed before the window are left out (and their failures before it too).
    expect(reference(tasks, "", unverified).length).toBeGreaterThan(outcomes.tasks.length);
    expect(outcomes.byPattern).toEqual(
      failurePatterns(tasks, 1, since).map(({ kind, key, category, count, tasks }) => ({
        kind,
        key,
        category,
        count,
        tasks: tasks.length,
      })),
    );
    expect(outcomes.bySkill).toEqual(referenceSkills(tasks, skills, now));
    expect(outcomes.bySkill.every((s) => s.before.repeats + s.after.repeats > 0)).toBe(true);
    const facts = tasks.map((t) => factsOf(t, unverified.has(t.id)));
    expect(delaysOf(facts, since)).toEqual(referenceDelays(tasks, since));
    expect(JSON.stringify(facts)).not.toContain("failed"); // no output tail, note or description
  });

  it("keeps the facts in the index in step with the file: imported, written, and edited by hand", async () => {
    const p = await taskProject();
    const tc = p.open();
    // The judgement is the store's (signed evidence); here it is given, as in the pure computation.
    tc.store.isUnverified = (t) => unverified.has(t.id);
    writeFileSync(tc.store.file, formatTasks(tasks));
    const fromIndex = () => outcomesOf(tc.store.facts(since), { since, now, skills });
    // The truth is the file: the tasks in it changed in the window, computed from their full histories.
    const fromTasks = () =>
      computeOutcomes(
        parseTasks(readFileSync(tc.store.file, "utf8")).tasks.filter((t) => t.updatedAt >= since),
        { since, now, skills, isUnverified: (t) => unverified.has(t.id) },
      );
    expect(fromIndex()).toEqual(fromTasks());
    expect(fromIndex().tasks).toEqual(
      reference(
        tasks.filter((t) => t.updatedAt >= since),
        since,
        unverified,
      ),
    );
    expect(delaysOf(tc.store.facts(), since)).toEqual(referenceDelays(tasks, since));
    const [a, b, c] = tasks.filter(
      (t) => t.updatedAt >= since && t.history.some((e) => e.type === "claimed"),
    );
    tc.store.write((tx) => {
      tx.put({
        ...a!,
        history: [
          ...a!.history,
          { id: "x1", at: now.toISOString(), by: "dan", type: "rejected", note: "Needs tests" },
        ],
      });
      tx.put({ ...b!, history: b!.history.slice(0, 2), updatedAt: now.toISOString() });
      tx.remove(c!.id);
    });
    expect(fromIndex()).toEqual(fromTasks());
    const edited = tc.store.all().map((t) => (t.id === a!.id ? { ...t, history: t.history.slice(1) } : t));
    writeFileSync(tc.store.file, formatTasks(edited));
    expect(fromIndex()).toEqual(fromTasks());
    expect(tc.store.facts().find((f) => f.id === a!.id)).toEqual(
      factsOf(edited.find((t) => t.id === a!.id)!, unverified.has(a!.id)),
    );
  });
});
