import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withLock } from "../src/core/lock.js";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  return repo;
}

const json = (text: string) => JSON.parse(text);

describe("task commands", () => {
  it("create, list, ready, show, deps, update, block, delete", async () => {
    const repo = await project();
    const base = json(
      (await runCli(["task", "create", "Base", "-p", "1", "--check", "true", "-l", "core", "--json"], repo))
        .stdout,
    );
    const top = json(
      (await runCli(["task", "create", "Top", "--depends", base.id, "-d", "needs base", "--json"], repo))
        .stdout,
    );
    const list = await runCli(["task", "list"], repo);
    expect(list.stdout).toMatch(/ID\s+P\s+STATUS\s+ASSIGNEE\s+DEPS\s+TITLE/);
    expect(
      json((await runCli(["task", "list", "--ready", "--json"], repo)).stdout).map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual([base.id]);
    expect((await runCli(["task", "ready"], repo)).stdout).toContain("Base");
    expect((await runCli(["task", "deps", top.id], repo)).stdout).toContain(`└─ ${base.id} [open] Base`);
    const show = await runCli(["task", "show", top.id], repo);
    expect(show.stdout).toContain("needs base");
    expect(show.stdout).toContain("(project default gates)");
    expect(
      (await runCli(["task", "update", top.id, "--title", "Top!", "--review", "--check", "true"], repo)).code,
    ).toBe(0);
    expect(json((await runCli(["task", "show", top.id, "--json"], repo)).stdout)).toMatchObject({
      title: "Top!",
      review: true,
      checks: ["true"],
    });
    expect((await runCli(["task", "block", base.id, "--reason", "waiting"], repo)).stdout).toBe("");
    expect(json((await runCli(["task", "list", "--status", "blocked", "--json"], repo)).stdout)).toHaveLength(
      1,
    );
    expect((await runCli(["task", "delete", base.id, "--force"], repo)).stderr).toContain(
      `depend on ${base.id}`,
    );
    expect((await runCli(["task", "delete", top.id], repo)).code).toBe(2);
    expect((await runCli(["task", "delete", top.id, "--force"], repo)).code).toBe(0);
    const history = json((await runCli(["task", "history", base.id, "--json"], repo)).stdout);
    expect(history.map((e: { type: string }) => e.type)).toEqual(["created", "blocked"]);
  });

  it("claims with leases, heartbeats, verifies and registers agents", async () => {
    const repo = await project();
    const t = json((await runCli(["task", "create", "Work", "--check", "true", "--json"], repo)).stdout);
    expect((await runCli(["agent", "register", "bot", "--capabilities", "ts,sql"], repo)).code).toBe(0);
    expect((await runCli(["task", "claim", "--agent", "bot"], repo)).stderr).toContain(`bot claimed ${t.id}`);
    expect((await runCli(["task", "heartbeat", t.id, "--agent", "bot", "--ttl", "600"], repo)).code).toBe(0);
    expect((await runCli(["task", "heartbeat", t.id, "--agent", "other"], repo)).stderr).toContain(
      `other cannot renew the lease on ${t.id}: it is claimed by bot until`,
    );
    const agents = await runCli(["agent", "list"], repo);
    expect(agents.stdout).toMatch(/bot\s+ts,sql\s+/);
    expect(agents.stdout).toContain(t.id);
    expect((await runCli(["task", "verify", t.id], repo)).stderr).toContain("claimed by bot");
    expect((await runCli(["task", "verify", t.id, "--by", "bot"], repo)).stderr).toContain("is done");
    expect((await runCli(["task", "verify", t.id, "--json"], repo)).code).toBe(0);
    expect(json((await runCli(["prime", "--json", "--agent", "bot"], repo)).stdout).counts).toEqual({
      done: 1,
    });
    expect((await runCli(["task", "show", "nx-nope"], repo)).stderr).toContain("No task nx-nope");
    expect((await runCli(["task", "create", ""], repo)).code).toBe(2);
    expect((await runCli(["task", "patterns"], repo)).stderr).toContain("No cause seen");
    expect((await runCli(["task", "list", "--status", "finished"], repo)).stderr).toContain(
      '--status must be one of open, in_progress, verifying, awaiting_review, rejected, blocked, done, got "finished".',
    );
  });

  it("reports a corrupt tasks.jsonl line by number and still lists the other tasks", async () => {
    const repo = await project();
    await runCli(["task", "create", "Good"], repo);
    const file = join(repo, ".nexus/tasks.jsonl");
    const { readFileSync } = await import("node:fs");
    writeFileSync(file, `${readFileSync(file, "utf8")}{"id":"nx-bad","title":""}\n`);
    const list = await runCli(["task", "list"], repo);
    expect(list.stdout).toContain("Good");
    expect(list.stderr).toContain("tasks.jsonl:2");
    // A write keeps the unreadable line byte for byte: nothing is lost while it waits for a fix.
    expect((await runCli(["task", "create", "Another"], repo)).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain('{"id":"nx-bad","title":""}');
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(3);
  });
});

describe("the task lock", () => {
  it("is exclusive, released after use, and taken over from a dead holder", () => {
    const file = join(tempDir(), "tasks.lock");
    expect(() => withLock(file, () => withLock(file, () => 1, 100))).toThrow(
      /Timed out waiting for the lock/,
    );
    expect(withLock(file, () => 2)).toBe(2);
    writeFileSync(file, "999999999");
    expect(withLock(file, () => 3, 1000)).toBe(3);
  });
});

describe("the async lock", () => {
  it("serialises asynchronous work across callers", async () => {
    const { withLockAsync } = await import("../src/core/lock.js");
    const file = join(tempDir(), "async.lock");
    const order: string[] = [];
    const job = (name: string) =>
      withLockAsync(file, async () => {
        order.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, 30));
        order.push(`${name}:end`);
      });
    await Promise.all([job("a"), job("b")]);
    expect(order[1]).toBe(`${order[0]!.split(":")[0]}:end`);
  });
});
