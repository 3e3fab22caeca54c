import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

const json = (text: string) => JSON.parse(text);
const tasksFile = (repo: string) => join(repo, ".nexus/tasks.jsonl");
const taskData = (repo: string) =>
  readFileSync(tasksFile(repo), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/**
 * Two branches change the same tasks: feature renames one and adds one; main, later, changes the
 * renamed task's priority, starts another and deletes a third. Returns the commit to merge from.
 */
async function twoBranches(): Promise<{ repo: string; ids: Record<string, string> }> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const create = async (title: string) =>
    json((await runCli(["task", "create", title, "--check", "true", "--json"], repo)).stdout).id as string;
  const ids = {
    renamed: await create("old title"),
    started: await create("to start"),
    gone: await create("to delete"),
  };
  // A task both branches leave alone, sorted first: the first conflict marker is not on line 1.
  const text = readFileSync(tasksFile(repo), "utf8");
  writeFileSync(
    tasksFile(repo),
    `${text.split("\n")[0]!.replace(/"id":"nx-[0-9a-z]+"/, '"id":"nx-000"')}\n${text}`,
  );
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "tasks");
  git(repo, "checkout", "-qb", "feature");
  await runCli(["task", "update", ids.renamed, "--title", "new title"], repo);
  const added = await create("added on feature");
  git(repo, "commit", "-qam", "feature");
  git(repo, "checkout", "-q", "main");
  await new Promise((r) => setTimeout(r, 20)); // main's edits are the newer ones
  await runCli(["task", "update", ids.renamed, "--priority", "0"], repo);
  await runCli(["task", "start", ids.started, "--by", "ann"], repo);
  await runCli(["task", "delete", ids.gone, "--force"], repo);
  git(repo, "commit", "-qam", "main");
  return { repo, ids: { ...ids, added } };
}

describe("task sync after a merge made without the driver", () => {
  it("merges from the merge base, exactly as the driver would have", async () => {
    const { repo, ids } = await twoBranches();
    const head = git(repo, "rev-parse", "HEAD");
    git(repo, "merge", "-q", "--no-edit", "feature");
    const withDriver = taskData(repo);
    expect(withDriver.find((t) => t.id === ids.renamed)).toMatchObject({ title: "new title", priority: 0 });

    git(repo, "reset", "-q", "--hard", head);
    git(repo, "config", "--remove-section", "merge.nexus-tasks"); // as in a fresh clone
    expect(() => git(repo, "merge", "-q", "--no-edit", "feature")).toThrow();
    const lines = readFileSync(tasksFile(repo), "utf8").split("\n");
    const marker = lines.findIndex((l) => l.startsWith("<<<<<<<")) + 1;
    expect(marker).toBeGreaterThan(1);
    const broken = await runCli(["task", "list"], repo);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`tasks.jsonl:${marker}:`);
    expect(broken.stderr).toContain("nexus task sync");

    const synced = json((await runCli(["task", "sync", "--json"], repo)).stdout);
    expect(synced).toMatchObject({ repaired: true, tasks: 4, base: "git index (stage 1)" });
    expect(taskData(repo)).toEqual(withDriver);
  });

  it("finds the base of a conflicted merge that was committed", async () => {
    const { repo, ids } = await twoBranches();
    git(repo, "config", "--remove-section", "merge.nexus-tasks"); // as in a fresh clone
    expect(() => git(repo, "merge", "-q", "--no-edit", "feature")).toThrow();
    git(repo, "commit", "-qam", "merged with conflict markers");
    const synced = json((await runCli(["task", "sync", "--json"], repo)).stdout);
    expect(synced.base).toMatch(/^merge base [0-9a-f]{12}$/);
    expect(taskData(repo).find((t) => t.id === ids.renamed)).toMatchObject({
      title: "new title",
      priority: 0,
    });
  });

  it("falls back to diff3 base sections, then says it had no base", async () => {
    const { repo, ids } = await twoBranches();
    git(repo, "config", "--remove-section", "merge.nexus-tasks");
    const conflicted = (style: string) => {
      expect(() =>
        git(repo, "-c", `merge.conflictStyle=${style}`, "merge", "-q", "--no-edit", "feature"),
      ).toThrow();
      const text = readFileSync(tasksFile(repo), "utf8");
      git(repo, "merge", "--abort");
      return text;
    };
    const [diff3, plain] = [conflicted("diff3"), conflicted("merge")];
    writeFileSync(tasksFile(repo), diff3);
    expect(json((await runCli(["task", "sync", "--json"], repo)).stdout)).toMatchObject({
      tasks: 4,
      base: "diff3 base sections",
    });
    expect(taskData(repo).find((t) => t.id === ids.renamed)).toMatchObject({ title: "new title" });
    writeFileSync(tasksFile(repo), plain);
    const none = await runCli(["task", "sync"], repo);
    expect(none.stderr).toContain("No merge base was found");
  });
});
