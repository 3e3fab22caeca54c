import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/helpers/errors.js";
import { taskProject } from "./fixtures.test-helper.js";
import { createTask } from "./lifecycle.js";
import {
  approveTask,
  assignTask,
  blockTask,
  claimTask,
  deleteTask,
  expireLeases,
  heartbeat,
  rejectTask,
  startTask,
  updateTask,
} from "./operations.js";
import { dependencyTree, readyTasks, renderTree } from "./queries.js";
import { completeTask, verifyTask } from "./verify.js";

describe("task life cycle", () => {
  it("survives a deleted database: tasks and history come back from tasks.jsonl", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "Add JWT login", checks: ["true"], labels: ["auth"] });
    startTask(tc, task.id);
    tc.db.close();
    rmSync(p.paths.dbFile);
    const fresh = p.open().store.get(task.id);
    expect(fresh.status).toBe("in_progress");
    expect(fresh.history.map((e) => e.type)).toEqual(["created", "started"]);
    expect(task.id).toMatch(/^nx-[0-9a-z]{4}$/);
  });

  it("is done only through passing gates, and records failures with output", async () => {
    const p = await taskProject({ files: { "fixed.txt": "no" } });
    const tc = p.open("bot");
    const task = createTask(tc, { title: "fix it", checks: ["echo checking; grep -q yes fixed.txt"] });
    assignTask(tc, task.id, "bot");
    startTask(tc, task.id);
    const failed = await completeTask(tc, { id: task.id });
    expect(failed.task.status).toBe("in_progress");
    const failure = failed.task.history.at(-1)!;
    expect(failure).toMatchObject({ type: "gate_failed", from: "in_progress", to: "in_progress" });
    expect(failure.results?.[0]).toMatchObject({
      command: "echo checking; grep -q yes fixed.txt",
      exitCode: 1,
      outputTail: "checking",
    });
    expect(failure.commit).toMatch(/^[0-9a-f]{40}/);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${p.root}/fixed.txt`, "yes");
    const passed = await completeTask(tc, { id: task.id });
    expect(passed.task.status).toBe("done");
    expect((await verifyTask(tc, task.id)).task.history.at(-1)!.type).toBe("verified");
  });

  it("goes through review, rejection and approval", async () => {
    const p = await taskProject();
    const tc = p.open("bot");
    const task = createTask(tc, { title: "reviewed", checks: ["true"], review: true });
    claimTask(tc, { agent: "bot" });
    expect((await completeTask(tc, { id: task.id })).task.status).toBe("awaiting_review");
    const rejected = rejectTask(tc, { id: task.id, reason: "Missing tests", by: "ann" });
    expect(rejected).toMatchObject({ status: "rejected", rejections: 1, assignee: "bot" });
    expect(rejected.history.at(-1)).toMatchObject({ type: "rejected", by: "ann", note: "Missing tests" });
    startTask(tc, task.id);
    await completeTask(tc, { id: task.id });
    expect(approveTask(tc, task.id, "ann").status).toBe("done");
  });

  it("refuses illegal transitions, empty titles and unknown IDs, changing nothing", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "t", checks: ["true"] });
    const before = tc.store.get(task.id);
    expect(errorOf(() => approveTask(tc, task.id, "x")).message).toContain("is open; it cannot move to done");
    expect(errorOf(() => createTask(tc, { title: "  " })).exitCode).toBe(2);
    expect(errorOf(() => startTask(tc, "nx-none")).message).toContain("No task nx-none");
    expect(errorOf(() => createTask(tc, { title: "x", priority: 9 })).message).toContain("Invalid priority");
    expect(errorOf(() => blockTask(tc, task.id, "")).exitCode).toBe(2);
    expect(tc.store.get(task.id)).toEqual(before);
    await expect(completeTask(tc, { id: task.id })).rejects.toThrow(
      /only a task in progress or rejected can be completed/,
    );
  });

  it("needs checks or default gates to complete", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "unverifiable" });
    startTask(tc, task.id);
    await expect(completeTask(tc, { id: task.id })).rejects.toMatchObject({ exitCode: 2 });
    expect(tc.store.get(task.id).status).toBe("in_progress");
  });

  it("orders ready work, refuses unfinished dependencies and cycles", async () => {
    const p = await taskProject();
    const tc = p.open();
    const base = createTask(tc, { title: "base", checks: ["true"], priority: 3 });
    const later = createTask(tc, { title: "later", dependsOn: [base.id], priority: 0 });
    const urgent = createTask(tc, { title: "urgent", priority: 1 });
    const ready = readyTasks(tc.store.rows({ status: "open" }), tc.store.rows({ status: "done" }));
    expect(ready.map((r) => r.id)).toEqual([urgent.id, base.id]);
    expect(errorOf(() => assignTask(tc, later.id, "bot")).message).toContain("depends on unfinished");
    expect(errorOf(() => updateTask(tc, base.id, { dependsOn: [later.id] })).message).toContain("cycle");
    expect(renderTree(dependencyTree((id) => tc.store.find(id), later.id))).toEqual([
      `${later.id} [open] later`,
      `└─ ${base.id} [open] base`,
    ]);
    expect(errorOf(() => deleteTask(tc, base.id)).message).toContain("depend on");
    deleteTask(tc, urgent.id);
    expect(tc.store.find(urgent.id)).toBeUndefined();
  });

  it("leases claims, extends them with heartbeats and returns expired ones to the queue", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "leased" });
    claimTask(tc, { agent: "a1", ttlSeconds: 60 });
    expect(errorOf(() => claimTask(tc, { agent: "a2" })).message).toContain("Nothing is ready");
    expect(errorOf(() => claimTask(tc, { id: task.id, agent: "a2" })).message).toContain("claimed by a1");
    p.advance(50_000);
    heartbeat(tc, { id: task.id, agent: "a1", ttlSeconds: 60 });
    p.advance(50_000);
    expect(expireLeases(tc)).toEqual([]);
    p.advance(20_000);
    expect(expireLeases(tc)).toEqual([task.id]);
    const back = tc.store.get(task.id);
    expect(back).toMatchObject({ status: "open", assignee: null });
    expect(back.history.at(-1)).toMatchObject({ type: "lease_expired", by: "nexus" });
    expect(claimTask(tc, { agent: "a2" }).id).toBe(task.id);
  });
});
