import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/helpers/errors.js";
import { configSchema } from "../core/config.js";
import { taskProject } from "./fixtures.test-helper.js";
import { parseTasks } from "./jsonl.js";
import { createTask, requireLeaseHolder } from "./lifecycle.js";
import { listTasks } from "./list.js";
import { claimTask, expireLeases, heartbeat, rejectTask, startTask } from "./operations.js";
import { completeTask } from "./verify.js";

const seconds = (n: number) => n * 1000;

describe("a claim's lease", () => {
  it("lasts the --ttl it was claimed with, and the holder's renewals keep that length", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    const task = createTask(bot, { title: "short lease", checks: ["true"] });
    const claimed = claimTask(bot, { id: task.id, agent: "bot", ttlSeconds: 5 });
    expect(claimed.leaseExpiresAt).toBe("2026-01-01T00:00:05.000Z");
    expect(claimed.leaseSeconds).toBe(5);
    p.advance(seconds(3));
    // Any command by the holder renews the lease, for 5 s, not the 30-minute default.
    expect(heartbeat(bot, { id: task.id, agent: "bot" }).leaseExpiresAt).toBe("2026-01-01T00:00:08.000Z");
    p.advance(seconds(6));
    expect(expireLeases(bot)).toEqual([task.id]);
    expect(bot.store.get(task.id)).toMatchObject({ status: "open", assignee: null, leaseExpiresAt: null });
    expect(bot.store.get(task.id).leaseSeconds).toBeUndefined();
  });

  it("is renewed for a new --ttl on heartbeat, and a claim without --ttl is the default again", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    const task = createTask(bot, { title: "t" });
    claimTask(bot, { id: task.id, agent: "bot", ttlSeconds: 5 });
    expect(heartbeat(bot, { id: task.id, agent: "bot", ttlSeconds: 60 })).toMatchObject({
      leaseExpiresAt: "2026-01-01T00:01:00.000Z",
      leaseSeconds: 60,
    });
    const again = claimTask(bot, { id: task.id, agent: "bot" });
    expect(again.leaseExpiresAt).toBe("2026-01-01T00:30:00.000Z");
    expect(again.leaseSeconds).toBeUndefined();
  });

  it("is stored only when asked for: a task file without it loads, and one without a claim is unchanged", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    createTask(bot, { title: "no claim" });
    const before = readFileSync(bot.store.file, "utf8");
    expect(before).not.toContain("leaseSeconds");
    const t = claimTask(bot, { agent: "bot", ttlSeconds: 90 });
    const text = readFileSync(bot.store.file, "utf8");
    expect(text).toContain('"leaseSeconds":90');
    expect(parseTasks(text).tasks[0]).toMatchObject({ id: t.id, leaseSeconds: 90 });
    const bad = parseTasks(text.replace('"leaseSeconds":90', '"leaseSeconds":-1'));
    expect(bad.errors[0]?.message).toContain("leaseSeconds");
  });
});

describe("listing tasks", () => {
  it("returns expired claims to the queue first, so list, ready and MCP see the same tasks", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    const task = createTask(bot, { title: "lapsed" });
    claimTask(bot, { id: task.id, agent: "bot", ttlSeconds: 5 });
    expect(listTasks(bot, { ready: true })).toEqual([]);
    p.advance(seconds(6));
    expect(listTasks(bot, { status: "in_progress" })).toEqual([]);
    expect(listTasks(bot, { ready: true }).map((r) => r.id)).toEqual([task.id]);
    expect(() => listTasks(bot, { status: "bogus" })).toThrow(/Unknown status/);
  });
});

describe("only the lease holder acts on a claimed task", () => {
  it("refuses complete and heartbeat by anyone else while the lease lives, changing nothing", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    const task = createTask(bot, { title: "mine", checks: ["true"] });
    claimTask(bot, { id: task.id, agent: "bot", ttlSeconds: 60 });
    const before = readFileSync(bot.store.file, "utf8");
    const eve = p.open("eve");
    const refused = await completeTask(eve, { id: task.id }).catch((e) => e);
    expect(refused).toMatchObject({ category: "conflict" });
    expect(refused.message).toBe(
      `eve cannot complete ${task.id}: it is claimed by bot until 2026-01-01T00:01:00.000Z.`,
    );
    expect(refused.hint).toContain("Ask bot to finish it");
    const renew = errorOf(() => heartbeat(eve, { id: task.id, agent: "eve" }));
    expect(renew).toMatchObject({ category: "conflict" });
    expect(renew.message).toContain("claimed by bot until 2026-01-01T00:01:00.000Z");
    expect(errorOf(() => claimTask(eve, { id: task.id, agent: "eve" })).message).toContain("claimed by bot");
    expect(readFileSync(bot.store.file, "utf8")).toBe(before);
    expect((await completeTask(bot, { id: task.id })).task.status).toBe("done");
  });

  it("lets anyone complete it once the lease has ended", async () => {
    const p = await taskProject();
    const bot = p.open("bot");
    const task = createTask(bot, { title: "abandoned", checks: ["true"] });
    claimTask(bot, { id: task.id, agent: "bot", ttlSeconds: 5 });
    p.advance(seconds(6));
    expect((await completeTask(p.open("eve"), { id: task.id })).task.status).toBe("done");
  });

  it("is one check: live only while in progress or verifying, before it expires", async () => {
    const p = await taskProject();
    const tc = p.open("bot");
    const task = { ...createTask(tc, { title: "t" }), assignee: "bot" };
    const now = new Date("2026-01-01T00:00:00Z");
    const live = { ...task, status: "in_progress" as const, leaseExpiresAt: "2026-01-01T00:00:01.000Z" };
    expect(() => requireLeaseHolder(live, "bot", now)).not.toThrow();
    expect(() => requireLeaseHolder(live, "Bot", now)).toThrow("claimed by bot");
    expect(() => requireLeaseHolder({ ...live, status: "verifying" }, "eve", now)).toThrow();
    expect(() => requireLeaseHolder({ ...live, status: "awaiting_review" }, "eve", now)).not.toThrow();
    expect(() => requireLeaseHolder(live, "eve", new Date("2026-01-01T00:00:02Z"))).not.toThrow();
  });
});

describe("nobody reviews their own work", () => {
  async function submitted(options: { allow_self_review?: boolean } = {}) {
    const p = await taskProject({ tasks: options });
    const bob = p.open("bob");
    const task = createTask(bob, { title: "reviewed", checks: ["true"], review: true });
    claimTask(bob, { id: task.id, agent: "bob" });
    expect((await completeTask(bob, { id: task.id })).task.status).toBe("awaiting_review");
    return { p, bob, task };
  }

  it("refuses a rejection by the assignee or the submitter, changing nothing", async () => {
    const { p, bob, task } = await submitted();
    const before = readFileSync(bob.store.file, "utf8");
    const self = errorOf(() => rejectTask(bob, { id: task.id, reason: "meh", by: "BOB" }));
    expect(self.exitCode).toBe(2);
    expect(self.message).toBe(
      `BOB cannot reject ${task.id}: they are its assignee, and the reviewer must be someone else.`,
    );
    expect(self.hint).toContain("nexus task reject ID --by REVIEWER");
    expect(readFileSync(bob.store.file, "utf8")).toBe(before);
    // Carol completes it once bob's lease has ended: as its submitter she may not reject it either.
    rejectTask(p.open("ann"), { id: task.id, reason: "redo", by: "ann" });
    const carol = p.open("carol");
    startTask(carol, task.id);
    p.advance(seconds(31 * 60));
    await completeTask(carol, { id: task.id });
    const submitter = errorOf(() => rejectTask(carol, { id: task.id, reason: "x", by: "carol" }));
    expect(submitter.message).toContain("its submitter");
    expect(rejectTask(carol, { id: task.id, reason: "still wrong", by: "ann" }).status).toBe("rejected");
  });

  it("refuses the assignee's rejection of their done task too, unless the project allows self-review", async () => {
    const p = await taskProject();
    const bob = p.open("bob");
    const task = createTask(bob, { title: "done", checks: ["true"] });
    claimTask(bob, { id: task.id, agent: "bob" });
    await completeTask(bob, { id: task.id });
    expect(errorOf(() => rejectTask(bob, { id: task.id, reason: "oops", by: "bob" })).message).toContain(
      "cannot reject",
    );
    const solo = { ...bob, config: configSchema.parse({ tasks: { allow_self_review: true } }) };
    expect(rejectTask(solo, { id: task.id, reason: "oops", by: "bob" }).status).toBe("rejected");
  });
});
