import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

/** "Tasks completed" counts what happened to tasks, whichever path made it happen. */
describe("task figures from domain events", () => {
  it("counts tasks Ralph finished and review approvals, and a rejection takes a completion back", async () => {
    isolatedHome();
    const repo = gitRepo({ "fixed.txt": "no\n" });
    await runCli(["init"], repo);
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
    const create = async (title: string, ...extra: string[]) =>
      JSON.parse(
        (
          await runCli(
            ["task", "create", title, "--check", "grep -q yes fixed.txt", "--json", ...extra],
            repo,
          )
        ).stdout,
      ).id as string;
    await create("One");
    await create("Two");
    const agent = join(tempDir(), "agent.sh");
    writeFileSync(agent, "echo yes > fixed.txt\n");
    const ralph = await runCli(
      ["ralph", "run", "--template", "none", "--on-host", "--agent-cmd", `sh ${agent}`, "--parallel", "2"],
      repo,
    );
    expect(ralph.code, ralph.stderr).toBe(0);
    const stats = async () => JSON.parse((await runCli(["stats", "--json"], repo)).stdout);
    expect((await stats()).tasksCompleted).toBe(2);

    const reviewed = await create("Three", "--review");
    await runCli(["task", "claim", reviewed, "--agent", "alice"], repo);
    writeFileSync(join(repo, "fixed.txt"), "yes\n");
    await runCli(["task", "complete", reviewed, "--by", "alice"], repo);
    expect((await runCli(["task", "approve", reviewed, "--by", "bob"], repo)).code).toBe(0);
    expect((await stats()).tasksCompleted).toBe(3);
    const rejected = await runCli(["task", "reject", reviewed, "--reason", "wrong", "--by", "bob"], repo);
    if (rejected.code === 0) expect((await stats()).tasksCompleted).toBe(2);
  });
});
