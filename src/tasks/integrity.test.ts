import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/helpers/errors.js";
import { taskProject } from "./fixtures.test-helper.js";
import { unverifiedReason } from "./integrity.js";
import { createTask } from "./lifecycle.js";
import { approveTask, claimTask, startTask, updateTask } from "./operations.js";
import { readyTasks } from "./queries.js";
import { approveSigned } from "./review.js";
import { completeTask, verifyTask } from "./verify.js";

/** Rewrites one task's line as a person (or a merge) would: no event, only the field. */
function handEdit(file: string, id: string, fields: Record<string, unknown>): void {
  const lines = readFileSync(file, "utf8").split("\n");
  const edited = lines.map((line) =>
    line.startsWith(`{"id":"${id}"`) ? JSON.stringify({ ...JSON.parse(line), ...fields }) : line,
  );
  writeFileSync(file, edited.join("\n"));
}

describe("changing a task's checks", () => {
  it("records the old and new checks; weakened after work started, it needs someone else's review", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "hard", checks: ["false"] });
    claimTask(tc, { id: task.id, agent: "bot" });
    const updated = updateTask(p.open("bot"), task.id, { checks: ["true"] }).task;
    expect(updated.history.at(-1)).toMatchObject({
      type: "checks_changed",
      by: "bot",
      checksBefore: ["false"],
      checksAfter: ["true"],
      weakened: true,
      reviewRequired: true,
    });
    const result = await completeTask(p.open("bot"), { id: task.id });
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1)!.note).toContain("checks were weakened");
    const self = errorOf(() => approveTask(tc, task.id, "bot"));
    expect(self.exitCode).toBe(2);
    expect(approveTask(tc, task.id, "ann").status).toBe("done");
  });

  it("treats adding checks, and changes before work started, as needing no review", async () => {
    const p = await taskProject({ gates: ["false"] });
    const tc = p.open();
    const added = createTask(tc, { title: "added", checks: ["true"] });
    startTask(tc, added.id);
    const event = updateTask(tc, added.id, { checks: ["true", "test -d ."] }).task.history.at(-1)!;
    expect(event).toMatchObject({ type: "checks_changed", checksBefore: ["true"] });
    expect(event.weakened).toBeUndefined();
    expect((await completeTask(tc, { id: added.id })).task.status).toBe("done");
    const early = createTask(tc, { title: "early", checks: ["false"] });
    expect(updateTask(tc, early.id, { checks: ["true"] }).task.history.at(-1)).toMatchObject({
      weakened: true,
    });
    startTask(tc, early.id);
    expect((await completeTask(tc, { id: early.id })).task.status).toBe("done");
    // No checks means the project's gates: replacing those with a weaker check is a weakening too.
    const gated = createTask(tc, { title: "gated" });
    startTask(tc, gated.id);
    expect(updateTask(tc, gated.id, { checks: ["true"] }).task.history.at(-1)).toMatchObject({
      reviewRequired: true,
    });
    expect((await completeTask(tc, { id: gated.id })).task.status).toBe("awaiting_review");
  });

  it("waives the review with allowCheckChange only where the project allows it", async () => {
    const strict = await taskProject();
    const tc = strict.open();
    const task = createTask(tc, { title: "t", checks: ["false"] });
    startTask(tc, task.id);
    const before = readFileSync(tc.store.file);
    const refused = errorOf(() => updateTask(tc, task.id, { checks: ["true"] }, { allowCheckChange: true }));
    expect(refused.exitCode).toBe(2);
    expect(refused.hint).toContain("allow_check_change");
    expect(readFileSync(tc.store.file)).toEqual(before);

    const lax = await taskProject({ tasks: { allow_check_change: true } });
    const lc = lax.open();
    const other = createTask(lc, { title: "t", checks: ["false"] });
    startTask(lc, other.id);
    const waived = updateTask(lc, other.id, { checks: ["true"] }, { allowCheckChange: true }).task;
    expect(waived.history.at(-1)).toMatchObject({ weakened: true, waived: true });
    expect(waived.history.at(-1)!.reviewRequired).toBeUndefined();
    expect((await completeTask(lc, { id: other.id })).task.status).toBe("done");
    // The key permits the flag; without it a weakening still needs a review.
    const third = createTask(lc, { title: "t3", checks: ["false"] });
    startTask(lc, third.id);
    updateTask(lc, third.id, { checks: ["true"] });
    expect((await completeTask(lc, { id: third.id })).task.status).toBe("awaiting_review");
  });
});

describe("done without a passing gate run", () => {
  it("is unverified everywhere until `verify` settles it", async () => {
    const p = await taskProject();
    const tc = p.open();
    const proven = createTask(tc, { title: "proven", checks: ["true"] });
    startTask(tc, proven.id);
    await completeTask(tc, { id: proven.id });
    const edited = createTask(tc, { title: "edited", checks: ["true"] });
    const failing = createTask(tc, { title: "failing", checks: ["false"] });
    const dependent = createTask(tc, { title: "dependent", dependsOn: [edited.id] });
    handEdit(tc.store.file, edited.id, { status: "done" });
    handEdit(tc.store.file, failing.id, { status: "done" });
    const fresh = p.open();
    expect(p.open().store.isUnverified(fresh.store.get(proven.id))).toBe(false);
    expect(p.open().store.isUnverified(fresh.store.get(edited.id))).toBe(true);
    const rows = fresh.store.rows();
    expect(rows.find((r) => r.id === edited.id)).toMatchObject({ status: "done", unverified: true });
    expect(rows.find((r) => r.id === proven.id)).toMatchObject({ status: "done", unverified: false });
    expect(
      fresh.store
        .rows({ unverified: true })
        .map((r) => r.id)
        .sort(),
    ).toEqual([edited.id, failing.id].sort());
    const ready = readyTasks(fresh.store.rows({ status: "open" }), fresh.store.rows({ status: "done" }));
    expect(ready.map((r) => r.id)).not.toContain(dependent.id);
    expect(errorOf(() => startTask(fresh, dependent.id)).hint).toContain(`nexus task verify ${edited.id}`);

    const settled = await verifyTask(fresh, edited.id);
    expect(settled.task.status).toBe("done");
    expect(settled.task.history.at(-1)).toMatchObject({ type: "verified" });
    expect(p.open().store.isUnverified(settled.task)).toBe(false);
    expect((await verifyTask(fresh, failing.id)).task.status).toBe("in_progress");
    expect(fresh.store.rows({ unverified: true })).toEqual([]);
    expect(startTask(fresh, dependent.id).status).toBe("in_progress");
  });

  it("counts an approval only after a passing gate run, and sends an unverified review task to review", async () => {
    const p = await taskProject();
    const tc = p.open();
    const reviewed = createTask(tc, { title: "r", checks: ["true"], review: true });
    startTask(tc, reviewed.id);
    await completeTask(tc, { id: reviewed.id });
    expect(p.open().store.isUnverified(await approveSigned(p.open(), reviewed.id, "ann"))).toBe(false);
    const unsigned = createTask(tc, { title: "u", checks: ["true"], review: true });
    startTask(tc, unsigned.id);
    await completeTask(tc, { id: unsigned.id });
    const approval = approveTask(p.open(), unsigned.id, "ann");
    expect(unverifiedReason(approval, p.open().store.trust)).toMatch(/approval is not signed/);
    const edited = createTask(tc, { title: "e", checks: ["true"], review: true });
    handEdit(tc.store.file, edited.id, { status: "awaiting_review" });
    expect(p.open().store.isUnverified(approveTask(p.open(), edited.id, "ann"))).toBe(true);
    const settled = await verifyTask(p.open(), edited.id);
    expect(settled.task.status).toBe("awaiting_review");
  });
});

describe("a refused complete", () => {
  it("changes nothing: no checks and no gates, or a workspace that does not exist", async () => {
    const p = await taskProject();
    const tc = p.open();
    const bare = createTask(tc, { title: "bare" });
    const ghost = createTask(tc, { title: "ghost", checks: ["true"], workspace: "ghost" });
    startTask(tc, bare.id);
    startTask(tc, ghost.id);
    const before = readFileSync(tc.store.file);
    await expect(completeTask(tc, { id: bare.id })).rejects.toMatchObject({ exitCode: 2 });
    await expect(completeTask(tc, { id: ghost.id })).rejects.toThrow(/ghost/);
    expect(readFileSync(tc.store.file)).toEqual(before);
  });
});

describe("checks changed by hand in tasks.jsonl", () => {
  it("need a review, like a weakening through update, and `update --check` records them", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "hard", checks: ["false"] });
    expect(task.history[0]).toMatchObject({ type: "created", checksAfter: ["false"] });
    startTask(p.open("bot"), task.id);
    handEdit(tc.store.file, task.id, { checks: ["true"] });
    const edited = p.open("bot");
    const result = await completeTask(edited, { id: task.id });
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1)!.note).toContain("changed outside Nexus");
    const recorded = updateTask(p.open("ann"), task.id, { checks: ["true"] }).task.history.at(-1)!;
    expect(recorded).toMatchObject({
      type: "checks_changed",
      checksBefore: ["false"],
      checksAfter: ["true"],
    });
    expect(approveTask(p.open("carl"), task.id, "carl").status).toBe("done");
  });

  it("need nothing when only checks were added", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "more", checks: ["true"] });
    startTask(tc, task.id);
    handEdit(tc.store.file, task.id, { checks: ["true", "test -d ."] });
    expect((await completeTask(p.open(), { id: task.id })).task.status).toBe("done");
  });
});
