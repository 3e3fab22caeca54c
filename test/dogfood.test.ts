import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init");
  return repo;
}

const LOG = ".nexus/dogfooding/friction-log.md";
const add = (repo: string, text: string, ...more: string[]) =>
  runCli(["friction", "add", text, "--type", "command_confusion", "--severity", "low", ...more], repo);
const list = async (repo: string) => JSON.parse((await runCli(["friction", "list", "--json"], repo)).stdout);

/** Two branches each append an entry; main merges both. */
async function twoBranches(repo: string): Promise<void> {
  await add(repo, "base entry");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "base");
  for (const branch of ["one", "two"]) {
    git(repo, "checkout", "-qb", branch, "main");
    await add(repo, `from ${branch}`, "--workaround", `${branch} workaround`);
    git(repo, "commit", "-qam", branch);
  }
  git(repo, "checkout", "-q", "main");
  git(repo, "merge", "-q", "one");
}

describe("the friction log", () => {
  it("init creates the folder; add, list, resolve round-trip through readable Markdown", async () => {
    const repo = await project();
    expect(existsSync(join(repo, ".nexus/dogfooding/.gitattributes"))).toBe(true);
    expect((await add(repo, "Forgot whether to use up or start", "--workaround", "nexus --help")).code).toBe(
      0,
    );
    const [entry] = await list(repo);
    expect(entry).toMatchObject({ type: "command_confusion", severity: "low", workaround: "nexus --help" });
    expect(readFileSync(join(repo, LOG), "utf8")).toContain(
      `## ${entry.id} · ${entry.date} · command_confusion · low`,
    );
    expect((await runCli(["friction", "resolve", entry.id], repo)).code).toBe(0);
    expect((await list(repo))[0].resolved).toBe(entry.date);
    expect((await runCli(["friction", "list", "--since", "2999-01-01", "--json"], repo)).stdout.trim()).toBe(
      "[]",
    );
    expect((await runCli(["friction", "resolve", "fr-zzzz"], repo)).code).toBe(1);
    expect((await add(repo, "x", "--severity", "urgent")).code).toBe(2);
  });

  it("two branches' entries merge cleanly with git (union merge from init)", async () => {
    const repo = await project();
    await twoBranches(repo);
    git(repo, "merge", "-q", "two");
    expect((await list(repo)).map((e: { text: string }) => e.text).sort()).toEqual([
      "base entry",
      "from one",
      "from two",
    ]);
  });

  it("with the union merge overridden the conflict is repairable: every entry once", async () => {
    const repo = await project();
    // A clone where the attribute is overridden (info/attributes wins over .gitattributes).
    writeFileSync(join(repo, ".git/info/attributes"), "friction-log.md merge=text\n");
    await twoBranches(repo);
    expect(() => execFileSync("git", ["merge", "-q", "two"], { cwd: repo, stdio: "pipe" })).toThrow();
    expect((await runCli(["friction", "list"], repo)).stderr).toContain("friction repair");
    expect((await runCli(["friction", "repair"], repo)).code).toBe(0);
    const text = readFileSync(join(repo, LOG), "utf8");
    expect(text).not.toMatch(/^(<<<<<<<|=======|>>>>>>>)/m);
    expect((await list(repo)).map((e: { workaround?: string }) => e.workaround ?? "").sort()).toEqual([
      "",
      "one workaround",
      "two workaround",
    ]);
  });
});

describe("the daily log", () => {
  it("writes the plan's template filled from telemetry and the friction log, and reads back", async () => {
    const repo = await project();
    await add(repo, "slow create", "--workaround", "kept a workspace running");
    await runCli(["workspace", "create", "one", "--template", "none"], repo);
    await runCli(["workspace", "create", "two", "--template", "none"], repo);
    for (const ws of ["one", "one", "two", "one"]) await runCli(["workspace", "path", ws], repo);
    const result = await runCli(
      ["log", "--wish", "tab completion", "--satisfaction", "7", "--improvement", "faster up", "--json"],
      repo,
    );
    expect(result.code, result.stderr).toBe(0);
    const log = JSON.parse(result.stdout);
    const file = join(repo, ".nexus/dogfooding", `${log.date}.yaml`);
    expect(parse(readFileSync(file, "utf8"))).toEqual(log);
    expect(log).toMatchObject({
      workspaces_active: 2,
      context_switches: 2,
      wish_list: ["tab completion"],
      satisfaction: 7,
      improvement: "faster up",
    });
    expect(log.commands_run).toBeGreaterThanOrEqual(7);
    expect(log.friction_points[0]).toContain("slow create");
    expect(log.workarounds[0]).toContain("kept a workspace running");
    // A second run keeps the answers already given.
    expect(JSON.parse((await runCli(["log", log.date, "--json"], repo)).stdout).satisfaction).toBe(7);
    expect((await runCli(["log", "--satisfaction", "11"], repo)).code).toBe(2);
  });

  it("stats and dashboard show friction counts and the plan's success metrics", async () => {
    const repo = await project();
    await add(repo, "confusing", "--severity", "high");
    const stats = JSON.parse((await runCli(["stats", "--json"], repo)).stdout);
    expect(stats.dogfood.friction).toMatchObject({ total: 1, bySeverity: { high: 1 } });
    expect(stats.dogfood.successMetrics.map((m: { metric: string }) => m.metric)).toContain(
      "all commands < 5 s",
    );
    expect(stats.failureRate).toBeTypeOf("number");
    // The failure rate is said once (issue 20): the success metrics no longer repeat it.
    const text = (await runCli(["stats"], repo)).stdout;
    expect(text.match(/failure rate/gi)).toHaveLength(1);
    const board = (await runCli(["dashboard"], repo)).stdout;
    expect(board).toContain("Success metrics");
    expect(board.match(/failure rate|% failed/gi)).toHaveLength(1);
  });
});
