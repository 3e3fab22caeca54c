import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ralphOnHost, runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

describe("skills that learn from recurring failures", () => {
  it("adds a troubleshooting entry after three identical failures, idempotently, with backup, diff, list, sync and feedback", async () => {
    isolatedHome();
    const repo = gitRepo({ "check.sh": 'echo "AssertionError: expected 200, got 500"; exit 1\n' });
    await runCli(["init"], repo);
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
    const agent = join(tempDir(), "agent.sh");
    writeFileSync(agent, 'echo "try $NEXUS_ITERATION" >> attempts.txt\n');
    const id = JSON.parse(
      (await runCli(["task", "create", "Fix the API", "--check", "npm test || sh check.sh", "--json"], repo))
        .stdout,
    ).id;
    const first = await ralphOnHost(repo, id, `sh ${agent}`, "--max-iterations", "3");
    expect(first.stderr).toContain("skill troubleshooting-test updated");
    const skill = join(repo, ".nexus/skills/troubleshooting-test/SKILL.md");
    const text = readFileSync(skill, "utf8");
    expect(text).toMatch(/^---\nname: troubleshooting-test\ndescription: /);
    expect(text).toContain("`npm test || sh check.sh` keeps failing");
    expect(text).toContain("Seen 3 times");
    expect(text).toContain("expected 200, got 500");

    const second = await ralphOnHost(repo, id, `sh ${agent}`, "--max-iterations", "3");
    expect(second.code).toBe(1);
    const updated = readFileSync(skill, "utf8");
    expect(updated.match(/nexus:pattern check:/g)).toHaveLength(1);
    expect(updated).toContain("Seen 6 times");
    expect(existsSync(join(repo, ".nexus/skills/.backup/troubleshooting-test/SKILL.md"))).toBe(true);
    const diff = (await runCli(["skills", "diff"], repo)).stdout;
    expect(diff).toContain("-Seen 3 times");
    expect(diff).toContain("+Seen 6 times");

    const { learnFromPatterns } = await import("../src/skills/learn.js");
    const { failurePatterns } = await import("../src/tasks/patterns.js");
    const { openTasks } = await import("../src/tasks/context.js");
    const tc = await openTasks({ cwd: repo });
    expect(learnFromPatterns(join(repo, ".nexus/skills"), failurePatterns(tc.store.all(), 3))).toEqual([]);

    const list = JSON.parse((await runCli(["skills", "list", "--json"], repo)).stdout);
    expect(list).toEqual([expect.objectContaining({ name: "troubleshooting-test", entries: 1 })]);
    expect((await runCli(["skills", "sync", "--to", ".claude/skills"], repo)).code).toBe(0);
    expect(readFileSync(join(repo, ".claude/skills/troubleshooting-test/SKILL.md"), "utf8")).toBe(updated);
    expect((await runCli(["skills", "sync", "--to", "../elsewhere"], repo)).code).toBe(2);

    const prompt = readFileSync(
      join(repo, ".nexus/worktrees", `task-${id.slice(3)}`, basename(repo), ".nexus/runs/agent/prompt.md"),
      "utf8",
    );
    expect(prompt).toContain("## Skills (project knowledge)");
    const analysis = JSON.parse((await runCli(["feedback", "analyze", "--json"], repo)).stdout);
    expect(analysis.sessions).toBe(2);
    expect(analysis.recurring[0]).toMatchObject({ category: "test", count: 6, sessions: 2 });
    const collected = JSON.parse((await runCli(["feedback", "collect", "--json"], repo)).stdout);
    expect(collected.tasksWorked).toEqual([id]);
  });
});
