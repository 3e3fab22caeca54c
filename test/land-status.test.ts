import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, isolatedHome } from "./helpers/fs.js";
import { doneTask, landRepo } from "./helpers/land.js";

const json = (text: string) => JSON.parse(text);

describe("nexus land --status", () => {
  let repo = "";
  const ids: Record<string, string> = {};
  const suffix = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    isolatedHome();
    repo = await landRepo();
    ids.first = await doneTask(repo, `first-${suffix}`, {
      files: { "shared.txt": "a\n" },
      check: "true",
      priority: 1,
    });
    ids.clash = await doneTask(repo, `clash-${suffix}`, {
      files: { "shared.txt": "b\n" },
      check: "true",
      priority: 2,
    });
    const alone = "test ! -f shared.txt";
    ids.red = await doneTask(repo, `red-${suffix}`, {
      files: { "red.txt": "r\n" },
      check: alone,
      priority: 3,
    });
  }, 180_000);

  it("shows the queue before anything landed, and that the integration workspace is not made yet", async () => {
    const result = await runCli(["land", "--status", "--json"], repo);
    expect(result.code, result.stderr).toBe(0);
    const data = json(result.stdout);
    expect(data.queue.map((s: { id: string }) => s.id)).toEqual([ids.first, ids.clash, ids.red]);
    expect(data).toMatchObject({ target: "main", landed: [], sentBack: [] });
    expect(data.integration).toBeUndefined();
    expect(data.journal).toBeUndefined();
  });

  it("after a landing: what landed, what went back and why (files, failed checks), rejected first", async () => {
    const land = await runCli(["land", "--json"], repo);
    expect(land.code, land.stderr).toBe(0);
    expect(json(land.stdout)).toMatchObject({ landed: [ids.first], sentBack: [ids.clash, ids.red] });

    const data = json((await runCli(["land", "--status", "--json"], repo)).stdout);
    expect(data.queue).toEqual([]);
    expect(data.integration).toMatchObject({ name: "nexus-land" });
    expect(data.landed).toEqual([
      expect.objectContaining({ id: ids.first, target: "main", commit: git(repo, "rev-parse", "main") }),
    ]);
    expect(data.landed[0].review).toBe(false);
    const back = Object.fromEntries(data.sentBack.map((e: { id: string }) => [e.id, e]));
    expect(back[ids.clash!]).toMatchObject({ cause: "conflict", files: ["shared.txt"], pending: true });
    expect(back[ids.red!]).toMatchObject({
      cause: "checks",
      failed: ["test ! -f shared.txt"],
      pending: true,
    });
    expect(back[ids.red!].status).toBe("rejected");

    const table = (await runCli(["land", "--status"], repo)).stdout;
    expect(table).toContain("Queue: nothing to land.");
    expect(table).toMatch(new RegExp(`${ids.first}\\s+[0-9a-f]{7,}\\s+main`));
    expect(table).toMatch(new RegExp(`${ids.clash}\\s+conflict\\s+rejected.*shared\\.txt`));
    expect(table).toContain("test ! -f shared.txt");
  });

  it("narrows to ids and to a date, and says when an interrupted landing is waiting", async () => {
    const one = json((await runCli(["land", ids.clash!, "--status", "--json"], repo)).stdout);
    expect(one.landed).toEqual([]);
    expect(one.sentBack.map((e: { id: string }) => e.id)).toEqual([ids.clash]);
    const later = json((await runCli(["land", "--status", "--since", "2999-01-01", "--json"], repo)).stdout);
    expect(later.landed).toEqual([]);
    expect(later.sentBack).toHaveLength(2); // still rejected: shown whatever the date
    expect((await runCli(["land", "--status", "--since", "yesterday"], repo)).code).toBe(2);
    const limited = json((await runCli(["land", "--status", "--limit", "1", "--json"], repo)).stdout);
    expect(limited.sentBack).toHaveLength(1);
    expect((await runCli(["land", "--status", "--push", "origin"], repo)).code).toBe(2);
    const stray = await runCli(["land", "--limit", "1"], repo);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--since and --limit go with --status");
    const both = await runCli(["land", "--push", "origin", "--review", "origin"], repo);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Pick one");

    const journal = { target: "main", old: "0", next: "1", task: ids.first, event: {} };
    writeFileSync(join(repo, ".git", "nexus-land.json"), JSON.stringify(journal));
    const status = await runCli(["land", "--status"], repo);
    expect(status.stderr).toContain(`a landing of ${ids.first} on main was interrupted`);
    expect(json((await runCli(["land", "--status", "--json"], repo)).stdout).journal).toEqual({
      task: ids.first,
      target: "main",
      commit: "1",
    });
  });
});
