import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "../../test/helpers/fs.js";

async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  return repo;
}

/** A path under a regular file: nobody can write there, not even root. */
function unwritable(name: string): string {
  const file = join(tempDir(), "a-file");
  writeFileSync(file, "");
  return join(file, name);
}

/** The bad value is a usage error: exit 2, its message and a hint, nothing a terminal would act on. */
async function usageError(args: string[], message: string) {
  const repo = await project();
  const result = await runCli(args, repo);
  expect(result.stderr).toContain(message);
  expect(result.stderr).toContain("hint:");
  expect(result.code).toBe(2);
  clean(result.stderr);
}

const clean = (stderr: string) => {
  expect(stderr).not.toMatch(/unexpected error|This is a bug|^\s+at /m);
};

describe("numeric options are checked before anything runs (issue 8)", () => {
  it.each([
    [["stats", "--days", "abc"], '--days must be a whole number from 1 to 3650, got "abc".'],
    [["stats", "--days", "-3"], '--days must be a whole number from 1 to 3650, got "-3".'],
    [["insights", "--days", "abc"], '--days must be a whole number from 1 to 3650, got "abc".'],
    [["insights", "--days", "1e12"], '--days must be a whole number from 1 to 3650, got "1e12".'],
    [["ralph", "run", "--parallel", "0"], '--parallel must be a whole number from 1 to 64, got "0".'],
    [["ralph", "run", "--max-iterations", "abc"], "--max-iterations must be a whole number from 1 to 1000"],
    [["ralph", "run", "--timeout", "-5"], "--timeout must be a number greater than 0"],
    [["ralph", "run", "--budget", "soon"], "--budget must be a number greater than 0"],
    [["ralph", "run", "--agent-cmd", ""], "--agent-cmd must not be empty."],
    [["feedback", "collect", "--hours", "abc"], "--hours must be a number greater than 0"],
    [["feedback", "analyze", "--days", "0"], "--days must be a whole number from 1 to 3650"],
  ])("nexus %j is a usage error (exit 2) that names the option", usageError);

  it("still accepts good values", async () => {
    const repo = await project();
    expect((await runCli(["stats", "--days", "3", "--json"], repo)).code).toBe(0);
    expect((await runCli(["feedback", "collect", "--hours", "0.5", "--json"], repo)).code).toBe(0);
  });
});

describe("options and arguments with a few words take .choices() and name them (issue 20)", () => {
  it.each([
    [["export", "--format", "xml"], '--format must be one of json, csv, got "xml".'],
    [["sync", "setup", "--endpoint", "http://x", "--format", "xml"], "--format must be one of otlp, json"],
    [["sync", "auto", "maybe"], '<state> must be one of on, off, got "maybe".'],
    [["task", "list", "--status", "finished"], "--status must be one of open, in_progress"],
    [["friction", "add", "x", "--type", "slow", "--severity", "urgent"], "--severity must be one of low"],
    [["completion", "tcsh"], '<shell> must be one of bash, zsh, fish, got "tcsh".'],
  ])("nexus %j is a usage error (exit 2) with the words and a hint", usageError);
});

describe("files the user names are written or refused with the path (issue 8)", () => {
  it("export -o into a missing folder names the path and says what to do", async () => {
    const repo = await project();
    const result = await runCli(["export", "-o", "/nonexistent/x.csv", "--format", "csv"], repo);
    expect(result.stderr).toContain("Cannot write /nonexistent/x.csv: its folder does not exist.");
    expect(result.stderr).toContain("hint: Choose a path in an existing folder");
    expect(result.code).toBe(2);
    clean(result.stderr);
  });

  it("dashboard --html under a regular file is refused the same way", async () => {
    const repo = await project();
    const path = unwritable("x.html");
    const result = await runCli(["dashboard", "--html", path], repo);
    expect(result.stderr).toContain(`Cannot write ${path}: a part of the path is a file, not a folder.`);
    expect(result.code).toBe(2);
    clean(result.stderr);
  });

  it("export -o onto a folder says it is a folder", async () => {
    const repo = await project();
    const result = await runCli(["export", "-o", tempDir()], repo);
    expect(result.stderr).toContain("it is a folder");
    expect(result.code).toBe(2);
  });
});

describe("environment failures are named, not crashes", () => {
  it("skills sync --to under a regular file names the path", async () => {
    const repo = await project();
    mkdirSync(join(repo, ".nexus", "skills", "demo"), { recursive: true });
    writeFileSync(
      join(repo, ".nexus", "skills", "demo", "SKILL.md"),
      "---\nname: demo\ndescription: d\n---\n",
    );
    writeFileSync(join(repo, "a-file"), "");
    const result = await runCli(["skills", "sync", "--to", "a-file/skills"], repo);
    expect(result.stderr).toContain(
      "Cannot write a-file/skills: a part of the path is a file, not a folder.",
    );
    expect(result.code).toBe(2);
    clean(result.stderr);
  });

  it("a NEXUS_HOME the telemetry database cannot live in is named by stats and purge", async () => {
    const repo = await project();
    process.env.NEXUS_HOME = unwritable("nexus-home");
    const stats = await runCli(["stats"], repo);
    expect(stats.stderr).toContain(
      `Cannot open the telemetry database ${process.env.NEXUS_HOME}/telemetry.db`,
    );
    expect(stats.code).toBe(1);
    clean(stats.stderr);
    const purge = await runCli(["telemetry", "purge", "--force"], repo);
    expect(purge.code).toBe(0);
    clean(purge.stderr);
  });
});
