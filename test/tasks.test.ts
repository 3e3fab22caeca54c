import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

async function project(files?: Record<string, string>): Promise<string> {
  isolatedHome();
  const repo = gitRepo(files);
  expect((await runCli(["init"], repo)).code).toBe(0);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "nexus init");
  return repo;
}

const json = (text: string) => JSON.parse(text);

describe("tasks through the CLI, across processes and branches", () => {
  it("keeps a task and its history across processes with a fresh database", async () => {
    const repo = await project();
    const created = json(
      (await spawnCli(["task", "create", "Add JWT login", "--check", "true", "--json"], repo)).stdout,
    );
    await spawnCli(["task", "assign", created.id, "bot"], repo);
    rmSync(join(repo, ".nexus/nexus.db"), { force: true });
    const shown = json((await spawnCli(["task", "show", created.id, "--json"], repo)).stdout);
    expect(shown).toMatchObject({ id: created.id, assignee: "bot" });
    expect(shown.history.map((e: { type: string }) => e.type)).toEqual(["created", "assigned"]);
  });

  it("gives ten agents claiming at once ten different tasks, then a clear 'nothing ready'", async () => {
    const repo = await project();
    for (let i = 0; i < 10; i++) await runCli(["task", "create", `task ${i}`], repo);
    const claims = await Promise.all(
      Array.from({ length: 11 }, (_, i) =>
        spawnCli(["task", "claim", "--agent", `agent-${i}`, "--json"], repo),
      ),
    );
    const won = claims.filter((c) => c.code === 0).map((c) => json(c.stdout).id);
    expect(won).toHaveLength(10);
    expect(new Set(won).size).toBe(10);
    const lost = claims.find((c) => c.code !== 0)!;
    expect(lost.stderr).toContain("Nothing is ready to claim");
    const agents = json((await runCli(["agent", "list", "--json"], repo)).stdout);
    expect(agents).toHaveLength(10);
  });

  it("merges tasks added on two branches with no conflict, through the registered driver", async () => {
    const repo = await project();
    const shared = json((await runCli(["task", "create", "shared", "--json"], repo)).stdout).id;
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "shared");
    git(repo, "checkout", "-qb", "feature");
    const feature = json((await runCli(["task", "create", "on feature", "--json"], repo)).stdout).id;
    await runCli(["task", "update", shared, "--priority", "0"], repo);
    git(repo, "commit", "-qam", "feature tasks");
    git(repo, "checkout", "-q", "main");
    const main = json((await runCli(["task", "create", "on main", "--json"], repo)).stdout).id;
    await runCli(["task", "start", shared, "--by", "ann"], repo);
    git(repo, "commit", "-qam", "main tasks");
    git(repo, "merge", "-q", "--no-edit", "feature");
    const rows = json((await runCli(["task", "list", "--json"], repo)).stdout);
    expect(rows.map((r: { id: string }) => r.id).sort()).toEqual([feature, main, shared].sort());
    expect(rows.find((r: { id: string }) => r.id === shared)).toMatchObject({
      priority: 0,
      status: "in_progress",
      assignee: "ann",
    });
  });

  it("registers the driver at workspace create in a repository that lacks it (a fresh clone)", async () => {
    const repo = await project();
    git(repo, "config", "--remove-section", "merge.nexus-tasks");
    expect((await runCli(["workspace", "create", "merge-drv", "-t", "none"], repo)).code).toBe(0);
    expect(git(repo, "config", "merge.nexus-tasks.driver")).toContain("task merge-driver");
  });

  it("repairs a tasks.jsonl merged without the driver with `task sync`", async () => {
    const repo = await project();
    git(repo, "config", "--unset", "merge.nexus-tasks.driver");
    writeFileSync(join(repo, ".gitattributes"), "");
    git(repo, "commit", "-qam", "no driver");
    git(repo, "checkout", "-qb", "other");
    const a = json(
      (await spawnCli(["task", "create", "from other", "--json"], repo, { PATH: process.env.PATH })).stdout,
    ).id;
    git(repo, "config", "--unset", "merge.nexus-tasks.driver");
    writeFileSync(join(repo, ".gitattributes"), "");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "other");
    git(repo, "checkout", "-q", "main");
    const b = json((await spawnCli(["task", "create", "from main", "--json"], repo)).stdout).id;
    git(repo, "config", "--unset", "merge.nexus-tasks.driver");
    writeFileSync(join(repo, ".gitattributes"), "");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "main");
    expect(() => git(repo, "merge", "-q", "--no-edit", "other")).toThrow();
    const broken = await runCli(["task", "list"], repo);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain("nexus task sync");
    const synced = await runCli(["task", "sync", "--json"], repo);
    expect(json(synced.stdout)).toMatchObject({ repaired: true, tasks: 2 });
    const ids = json((await runCli(["task", "list", "--json"], repo)).stdout).map(
      (r: { id: string }) => r.id,
    );
    expect(ids.sort()).toEqual([a, b].sort());
  });

  it("records failures, rejections and recurring patterns, and primes an agent", async () => {
    const repo = await project({ "check.sh": "echo 'expected 2 got 3'; exit 1\n" });
    const id = json(
      (await runCli(["task", "create", "flaky", "--check", "sh check.sh", "--review", "--json"], repo))
        .stdout,
    ).id;
    await runCli(["task", "claim", id, "--agent", "bot"], repo);
    for (let i = 0; i < 2; i++) {
      const failed = await runCli(["task", "complete", id, "--by", "bot"], repo);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("is not done");
    }
    writeFileSync(join(repo, "check.sh"), "exit 0\n");
    expect((await runCli(["task", "complete", id, "--by", "bot"], repo)).stderr).toContain("awaits review");
    await runCli(["task", "reject", id, "--reason", "Missing tests.", "--by", "ann"], repo);
    await runCli(["task", "start", id], repo);
    await runCli(["task", "complete", id, "--by", "bot"], repo);
    await runCli(["task", "reject", id, "--reason", "missing tests", "--by", "bob"], repo);
    const patterns = json((await runCli(["task", "patterns", "--json"], repo)).stdout);
    expect(patterns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "check", key: "sh check.sh", count: 2, category: "other" }),
        expect.objectContaining({ kind: "rejection", count: 2, category: "review" }),
      ]),
    );
    const history = (await runCli(["task", "history", id], repo)).stdout;
    expect(history).toContain("expected 2 got 3");
    const prime = (await runCli(["prime", "--agent", "bot"], repo)).stdout;
    expect(prime).toContain("## Your claims");
    expect(prime).toContain(id);
    expect(prime).toContain("rejected");
    const approve = await runCli(["task", "approve", id, "--by", "ann"], repo);
    expect(approve.code).toBe(2);
    expect(approve.stderr).toContain("cannot move to done");
  });
});
