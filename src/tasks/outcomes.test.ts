import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { learnFromPatterns, learntEntries } from "../skills/learn.js";
import { factsOf } from "./facts.js";
import { newTask, type Task, type TaskEvent } from "./model.js";
import { computeOutcomes, skillEffects } from "./outcomes.js";
import { failurePatterns } from "./patterns.js";

let n = 0;
const at = (hhmm: string, day = "01") => `2026-01-${day}T${hhmm}:00.000Z`;
const ev = (type: string, when: string, by: string, extra: Partial<TaskEvent> = {}): TaskEvent => ({
  id: `e${++n}`,
  at: when,
  by,
  type,
  ...extra,
});
const failed = (when: string, by: string, command: string) =>
  ev("gate_failed", when, by, {
    to: "in_progress",
    results: [{ command, exitCode: 1, durationMs: 5, outputTail: "x" }],
  });
const passed = (when: string, by: string, to: "done" | "awaiting_review" = "done") =>
  ev("gates_passed", when, by, { to });
const sentBack = (when: string) => ev("rejected", when, "land", { to: "rejected", cause: "conflict" });

function task(id: string, by: string, events: TaskEvent[]): Task {
  return {
    ...newTask(id, at("07:00")),
    title: id,
    status: "done",
    assignee: by,
    history: [ev("created", at("07:00"), "lead"), ...events],
  };
}

/**
 * Six tasks with known answers. alice: A first pass (30 min), B two `npm test` failures then done
 * (3 runs, 60 min), F first pass (10 min), sent back by land, passed again. bob: C one lint failure
 * (2 runs, 120 min), D claimed and never gated, E passed to review and approved (50 min), sent back.
 */
const history: Task[] = [
  task("nx-aaa", "alice", [ev("claimed", at("10:00"), "alice"), passed(at("10:30"), "alice")]),
  task("nx-bbb", "alice", [
    ev("claimed", at("10:00"), "alice"),
    failed(at("10:20"), "alice", "npm test"),
    failed(at("10:40"), "alice", "npm test"),
    passed(at("11:00"), "alice"),
  ]),
  task("nx-ccc", "bob", [
    ev("claimed", at("09:00"), "bob"),
    failed(at("09:10"), "bob", "npm run lint"),
    passed(at("11:00"), "bob"),
  ]),
  task("nx-ddd", "bob", [ev("claimed", at("12:00"), "bob")]),
  task("nx-eee", "bob", [
    ev("claimed", at("10:00"), "bob"),
    passed(at("10:10"), "bob", "awaiting_review"),
    ev("approved", at("10:50"), "carol", { to: "done" }),
    sentBack(at("12:00")),
  ]),
  task("nx-fff", "alice", [
    ev("claimed", at("08:00"), "alice"),
    passed(at("08:10"), "alice"),
    sentBack(at("13:00")),
    passed(at("13:30"), "alice"),
  ]),
];

const MIN = 60_000;

describe("task outcomes on a seeded history (known answers)", () => {
  const o = computeOutcomes(history, { since: at("00:00"), now: new Date(at("23:00")) });

  it("overall: first-pass rate, attempts and median time from claim to done", () => {
    expect(o.overall).toEqual({
      tasks: 6,
      gated: 5,
      firstPassRate: 3 / 5,
      attempts: 8,
      attemptsPerTask: 8 / 6,
      done: 5,
      medianMsToDone: 50 * MIN,
    });
  });

  it("per task", () => {
    const byId = Object.fromEntries(o.tasks.map((t) => [t.id, t]));
    expect(byId["nx-bbb"]).toEqual({
      id: "nx-bbb",
      agent: "alice",
      claimedAt: at("10:00"),
      attempts: 3,
      firstPass: false,
      msToDone: 60 * MIN,
    });
    expect(byId["nx-ddd"]).toEqual({ id: "nx-ddd", agent: "bob", claimedAt: at("12:00"), attempts: 0 });
    // Approved after review: done at the approval; the runs after a send-back do not count again.
    expect(byId["nx-eee"]!.msToDone).toBe(50 * MIN);
    expect(byId["nx-fff"]).toMatchObject({ attempts: 1, firstPass: true, msToDone: 10 * MIN });
  });

  it("per agent", () => {
    expect(
      o.byAgent.map((a) => [a.agent, a.tasks, a.gated, a.firstPassRate, a.attempts, a.medianMsToDone]),
    ).toEqual([
      ["alice", 3, 3, 2 / 3, 5, 30 * MIN],
      ["bob", 3, 2, 1 / 2, 3, 85 * MIN],
    ]);
  });

  it("rejections by pattern: send-backs by nexus land group by cause, checks by command", () => {
    expect(o.byPattern.map((p) => [p.kind, p.key, p.count, p.tasks])).toEqual([
      ["rejection", "sent back by nexus land: conflict", 2, 2],
      ["check", "npm test", 2, 1],
      ["check", "npm run lint", 1, 1],
    ]);
    expect(o.attemptsHistogram).toEqual([
      { attempts: "1", tasks: 3 },
      { attempts: "2", tasks: 1 },
      { attempts: "3", tasks: 1 },
      { attempts: "4+", tasks: 0 },
    ]);
  });

  it("a done task its store calls unverified (a hand edit) has no time to done", () => {
    const judged = computeOutcomes(history, {
      since: at("00:00"),
      now: new Date(at("23:00")),
      isUnverified: (t) => t.id === "nx-aaa",
    });
    expect(judged.overall.done).toBe(4);
    expect(judged.tasks.find((t) => t.id === "nx-aaa")!.msToDone).toBeUndefined();
  });

  it("a window leaves out tasks claimed before it", () => {
    const late = computeOutcomes(history, { since: at("09:30"), now: new Date(at("23:00")) });
    expect(late.tasks.map((t) => t.id).sort()).toEqual(["nx-aaa", "nx-bbb", "nx-ddd", "nx-eee"]);
    expect(late.overall.firstPassRate).toBe(2 / 3);
  });
});

describe("a skill's effect: repeats before and after it was learnt (correlation only)", () => {
  // Learnt at 01-02 00:00, looked at 01-03 00:00: one day each side.
  const later = task("nx-ggg", "alice", [
    ev("claimed", at("10:00", "02"), "alice"),
    failed(at("10:10", "02"), "alice", "npm test"),
    passed(at("10:20", "02"), "alice"),
  ]);
  const entries = [
    { skill: "troubleshooting-test", kind: "check" as const, key: "npm test", learnt: at("00:00", "02") },
    { skill: "troubleshooting-lint", kind: "check" as const, key: "npm run lint" },
  ];

  it("counts equal windows and skips entries without a learnt time", () => {
    expect(
      skillEffects(
        [...history, later].map((t) => factsOf(t, false)),
        entries,
        new Date(at("00:00", "03")),
      ),
    ).toEqual([
      {
        ...entries[0],
        windowMs: 86_400_000,
        before: { repeats: 2, tasks: 5 },
        after: { repeats: 1, tasks: 1 },
      },
    ]);
  });

  const dir = mkdtempSync(join(tmpdir(), "nexus-skills-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("learning records when an entry was first learnt and keeps it on updates", () => {
    const first = new Date(at("00:00", "02"));
    const patterns = failurePatterns(
      [...history, task("nx-hhh", "bob", [failed(at("09:00"), "bob", "npm test")])],
      3,
    );
    expect(learnFromPatterns(dir, patterns, first)).toEqual(["troubleshooting-test"]);
    const more = failurePatterns(
      [...history, later, task("nx-hhh", "bob", [failed(at("09:00"), "bob", "npm test")])],
      3,
    );
    expect(learnFromPatterns(dir, more, new Date(at("00:00", "03")))).toEqual(["troubleshooting-test"]);
    expect(learnFromPatterns(dir, more, new Date(at("00:00", "04")))).toEqual([]);
    expect(readFileSync(join(dir, "troubleshooting-test", "SKILL.md"), "utf8")).toContain("Seen 4 times");
    expect(learntEntries(dir)).toEqual([
      { skill: "troubleshooting-test", kind: "check", key: "npm test", learnt: first.toISOString() },
    ]);
  });
});
