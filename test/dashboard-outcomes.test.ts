import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { newTask } from "../src/tasks/model.js";
import type { Outcomes } from "../src/tasks/outcomes.js";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

/**
 * The outcome charts of `nexus dashboard --html`, opened in a real browser (Debian's Chromium driven by
 * playwright-core): every chart drawn, no console error, and a screenshot (DASHBOARD_SCREENSHOT=path
 * keeps it to look at).
 */
const hasChromium = spawnSync("/usr/bin/chromium", ["--version"]).status === 0;
if (!hasChromium && process.env.CI) throw new Error("CI is set but chromium is not installed");

const OUTCOME_CHARTS = [
  "First-pass gate rate",
  "Gate runs per task",
  "Median time from claim to verified done",
  "Rejections by pattern",
  "Skill learnt: repeats of its pattern before → after",
];

afterEach(() => {
  delete process.env.NEXUS_AGENT;
});

async function as(agent: string, args: string[], repo: string) {
  process.env.NEXUS_AGENT = agent;
  const result = await runCli(args, repo);
  if (result.code !== 0 && args[1] !== "complete") throw new Error(`${args.join(" ")}: ${result.stderr}`);
  return result;
}

async function taskWith(repo: string, title: string, check: string): Promise<string> {
  const created = await as("lead", ["task", "create", title, "--check", check, "--json"], repo);
  return (JSON.parse(created.stdout) as { id: string }).id;
}

/** alice passes first time; bob fails `test -f done.txt` once, then passes; a skill learnt the failure. */
async function seededProject(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const first = await taskWith(repo, "first", "true");
  await as("alice", ["task", "claim", first, "--agent", "alice"], repo);
  await as("alice", ["task", "complete", first], repo);
  const second = await taskWith(repo, "second", "test -f done.txt");
  await as("bob", ["task", "claim", second, "--agent", "bob"], repo);
  expect((await as("bob", ["task", "complete", second], repo)).code).not.toBe(0);
  const shown = JSON.parse((await as("bob", ["task", "show", second, "--json"], repo)).stdout) as {
    history: { type: string; at: string }[];
  };
  const failedAt = Date.parse(shown.history.find((e) => e.type === "gate_failed")!.at);
  const skill = join(repo, ".nexus", "skills", "troubleshooting-other");
  mkdirSync(skill, { recursive: true });
  writeFileSync(
    join(skill, "SKILL.md"),
    `---\nname: troubleshooting-other\ndescription: test\n---\n\n<!-- nexus:pattern check:test -f done.txt -->\n<!-- nexus:learnt ${new Date(failedAt + 1).toISOString()} -->\n### x\n<!-- nexus:end -->\n`,
  );
  writeFileSync(join(repo, "done.txt"), "done\n");
  git(repo, "add", "done.txt");
  git(repo, "commit", "-q", "-m", "done");
  expect((await as("bob", ["task", "complete", second], repo)).code).toBe(0);
  return repo;
}

describe("task outcomes in stats, insights and --json", () => {
  it("shows the seeded figures and never stores them in telemetry", async () => {
    const repo = await seededProject();
    const json = JSON.parse((await runCli(["stats", "--json"], repo)).stdout) as { taskOutcomes: Outcomes };
    expect(json.taskOutcomes.overall).toMatchObject({
      tasks: 2,
      gated: 2,
      firstPassRate: 0.5,
      attempts: 3,
      done: 2,
    });
    expect(json.taskOutcomes.byAgent.map((a) => [a.agent, a.firstPassRate, a.attempts])).toEqual([
      ["alice", 1, 1],
      ["bob", 0, 2],
    ]);
    expect(json.taskOutcomes.bySkill).toMatchObject([
      { skill: "troubleshooting-other", before: { repeats: 1 }, after: { repeats: 0 } },
    ]);
    expect((await runCli(["stats"], repo)).stdout).toContain(
      "Task outcomes: 2 tasks: first pass 50% (of 2 gated)",
    );
    const insights = JSON.parse((await runCli(["insights", "--json"], repo)).stdout) as { id: string }[];
    expect(insights.map((i) => i.id)).toContain("outcome:skill:troubleshooting-other:check:test -f done.txt");
    const db = new Database(join(process.env.NEXUS_HOME!, "telemetry.db"), { readonly: true });
    const stored = db.prepare("SELECT id FROM patterns").pluck().all() as string[];
    const dump = JSON.stringify(db.prepare("SELECT * FROM events").all());
    db.close();
    expect(stored.filter((id) => id.startsWith("outcome:skill") || id.startsWith("outcome:pattern"))).toEqual(
      [],
    );
    for (const secret of ["alice", "bob", "done.txt", "troubleshooting"]) expect(dump).not.toContain(secret);
  });
});

describe("the window of task outcomes", () => {
  it("reads the window's tasks, and older ones only for a learnt skill's before window", async () => {
    isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    const ago = (days: number, minutes = 0) =>
      new Date(Date.now() - days * 86_400_000 + minutes * 60_000).toISOString();
    const event = (type: string, at: string, extra: object = {}) => ({
      id: `e${type}${at}`,
      at,
      by: "ann",
      type,
      ...extra,
    });
    const task = (id: string, history: object[]) => ({
      ...newTask(id, (history[0] as { at: string }).at),
      title: id,
      status: "done",
      assignee: "ann",
      updatedAt: (history[history.length - 1] as { at: string }).at,
      history,
    });
    const failure = {
      to: "in_progress",
      results: [{ command: "npm test", exitCode: 1, durationMs: 1, outputTail: "" }],
    };
    const lines = [
      task("nx-old", [
        event("claimed", ago(60)),
        event("gate_failed", ago(60, 5), failure),
        event("gates_passed", ago(60, 9), { to: "done" }),
      ]),
      task("nx-new", [event("claimed", ago(1)), event("gates_passed", ago(1, 4), { to: "done" })]),
    ];
    writeFileSync(join(repo, ".nexus", "tasks.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const stats = async () =>
      (JSON.parse((await runCli(["stats", "--json", "--week"], repo)).stdout) as { taskOutcomes: Outcomes })
        .taskOutcomes;
    expect((await stats()).tasks.map((t) => t.id)).toEqual(["nx-new"]);
    const skill = join(repo, ".nexus", "skills", "troubleshooting-test");
    mkdirSync(skill, { recursive: true });
    writeFileSync(
      join(skill, "SKILL.md"),
      `---\nname: troubleshooting-test\ndescription: t\n---\n<!-- nexus:pattern check:npm test -->\n<!-- nexus:learnt ${ago(40)} -->\n<!-- nexus:end -->\n`,
    );
    const withSkill = await stats();
    expect(withSkill.overall.tasks).toBe(1);
    expect(withSkill.bySkill).toMatchObject([
      { before: { repeats: 1, tasks: 1 }, after: { repeats: 0, tasks: 1 } },
    ]);
  });
});

describe.skipIf(!hasChromium)("the dashboard's outcome charts in a real browser", () => {
  it("draws every outcome chart with no console error", async () => {
    const repo = await seededProject();
    const dir = tempDir();
    const page = join(dir, "dashboard.html");
    expect((await runCli(["dashboard", "--html", page], repo)).code).toBe(0);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 60_000,
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      tab.on("pageerror", (e) => errors.push(e.message));
      await tab.goto(`file://${page}`);
      for (const title of OUTCOME_CHARTS) {
        const chart = tab.locator("figure", { has: tab.locator("figcaption", { hasText: title }) });
        expect(await chart.count(), title).toBe(1);
        expect((await chart.locator("svg").boundingBox())?.width, title).toBeGreaterThan(100);
        expect(await chart.locator("rect.bar").count(), title).toBeGreaterThan(0);
      }
      const text = (await tab.locator(".outcomes").textContent()) ?? "";
      expect(text).toContain("50% of 2"); // one of two tasks passed its first gate run
      expect(text).toContain("check: test -f done.txt");
      expect(text).toContain("correlation, not causation");
      const shot = process.env.DASHBOARD_SCREENSHOT ?? join(dir, "dashboard.png");
      await tab.locator("#outcomes").scrollIntoViewIfNeeded();
      await tab.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
