import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
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

  it("counts landings and send-backs by cause; a send-back takes the completion back; no names stored", async () => {
    const home = isolatedHome();
    const repo = gitRepo({ "ok.sh": "exit 0\n" });
    await runCli(["init"], repo);
    writeFileSync(join(repo, ".nexus/config.yaml"), "land:\n  template: none\n", { flag: "a" });
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
    const suffix = Math.random().toString(36).slice(2, 7);
    const done = async (name: string, text: string, priority: string) => {
      expect((await runCli(["workspace", "create", name, "-t", "none"], repo)).code).toBe(0);
      const args = ["task", "create", name, "-w", name, "--check", "sh ok.sh", "-p", priority, "--json"];
      const id = JSON.parse((await runCli(args, repo)).stdout).id as string;
      await runCli(["task", "start", id], repo);
      const tree = (await runCli(["workspace", "path", name], repo)).stdout.trim();
      writeFileSync(join(tree, "secret-name.txt"), text);
      git(tree, "add", "-A");
      git(tree, "commit", "-qm", "work");
      expect((await runCli(["task", "complete", id], repo)).code).toBe(0);
      return id;
    };
    await done(`lands-${suffix}`, "a\n", "1");
    await done(`clashes-${suffix}`, "b\n", "2");
    const stats = async () => JSON.parse((await runCli(["stats", "--json"], repo)).stdout);
    expect((await stats()).tasksCompleted).toBe(2);
    const land = await runCli(["land", "--json"], repo);
    expect(land.code, land.stderr).toBe(0);
    const after = await stats();
    expect(after.tasksCompleted).toBe(1);
    expect(after.landings).toMatchObject({
      landed: 1,
      sentBack: 1,
      sentBackByCause: [{ cause: "conflict", count: 1 }],
    });
    expect(after.landings.perDay).toEqual([
      { day: new Date().toISOString().slice(0, 10), landed: 1, sentBack: 1 },
    ]);
    const db = new Database(join(home, ".nexus", "telemetry.db"), { readonly: true });
    const rows = JSON.stringify(db.prepare("SELECT * FROM events").all());
    db.close();
    expect(rows).toContain('{\\"cause\\":\\"conflict\\"}');
    expect(rows).not.toContain("secret-name");
    expect(rows).not.toContain(`clashes-${suffix}`);
  });
});
