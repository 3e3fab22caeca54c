import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorOf } from "../../test/helpers/errors.js";
import { configSchema } from "../core/config.js";
import { type NexusError, UsageError } from "../core/errors.js";
import { taskProject } from "./fixtures.test-helper.js";
import { createTask } from "./lifecycle.js";
import { checkAgentName, LIMITS, preview } from "./limits.js";
import { approveTask, blockTask, claimTask, rejectTask, startTask, updateTask } from "./operations.js";
import { completeTask } from "./verify.js";

const huge = "x".repeat(100_000);
const stored = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");

/** A refusal: a usage error (exit 2) that names the limit and shows at most ~60 characters of the value. */
function expectRefusal(fn: () => unknown, limit?: number): NexusError {
  const error = errorOf(fn);
  expect(error).toBeInstanceOf(UsageError);
  expect(error.exitCode).toBe(2);
  if (limit !== undefined) expect(error.message).toContain(String(limit));
  expect(error.message.length).toBeLessThan(200);
  expect(`${error.message}${error.hint}`).not.toContain("x".repeat(61));
  return error;
}

describe("input limits", () => {
  it("refuse overlong titles, descriptions, checks, labels and workspaces, storing nothing", async () => {
    const p = await taskProject();
    const tc = p.open();
    const before = stored(tc.store.file);
    expectRefusal(() => createTask(tc, { title: huge }), LIMITS.title);
    expectRefusal(() => createTask(tc, { title: "t", description: "d".repeat(10_001) }), LIMITS.text);
    expectRefusal(() => createTask(tc, { title: "t", checks: ["c".repeat(1_001)] }), LIMITS.check);
    expectRefusal(() => createTask(tc, { title: "t", checks: Array(21).fill("true") }), LIMITS.checks);
    expectRefusal(() => createTask(tc, { title: "t", labels: [huge] }), LIMITS.label);
    expectRefusal(() => createTask(tc, { title: "t", workspace: huge }), LIMITS.workspace);
    expectRefusal(() => createTask(tc, { title: "t", dependsOn: [huge] }), LIMITS.id);
    expectRefusal(() => createTask(p.open(huge), { title: "t" }), LIMITS.agent);
    expect(stored(tc.store.file)).toBe(before);
    expect(createTask(tc, { title: "y".repeat(200), checks: Array(20).fill("true") }).title).toHaveLength(
      200,
    );
  });

  it("refuse overlong agent names, ids, reasons and updates before touching the task", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "bounded", checks: ["true"] });
    const before = stored(tc.store.file);
    expectRefusal(() => claimTask(tc, { id: task.id, agent: huge }), LIMITS.agent);
    expectRefusal(() => claimTask(tc, { id: task.id, agent: "bad\nname" }));
    expectRefusal(() => startTask(tc, huge), LIMITS.id);
    expectRefusal(() => blockTask(tc, task.id, huge), LIMITS.text);
    expectRefusal(() => updateTask(tc, task.id, { title: huge }), LIMITS.title);
    expectRefusal(() => updateTask(tc, task.id, { workspace: "Bad Name" }));
    expectRefusal(() => rejectTask(tc, { id: task.id, reason: huge, by: "ann" }), LIMITS.text);
    expect(stored(tc.store.file)).toBe(before);
    expect(claimTask(tc, { id: task.id, agent: "review-agent:claude" }).assignee).toBe("review-agent:claude");
  });

  it("accept the names agents and people really use", () => {
    for (const name of ["claude", "claude-1", "review-agent:claude", "ann@example.com", "José", "Ann Lee"])
      expect(() => checkAgentName(name)).not.toThrow();
    for (const name of ["", " ann", "ann ", "a\tb", "a/b", "x".repeat(65)])
      expect(() => checkAgentName(name)).toThrow(UsageError);
  });

  it("preview a bad value in one short line with its length", () => {
    expect(preview("short")).toBe('"short"');
    expect(preview(`a\nb${huge}`)).toMatch(/^"a bx{57}…" \(100003 characters\)$/);
  });
});

describe("self-review", () => {
  async function awaitingReview() {
    const p = await taskProject();
    const tc = p.open("bob");
    const task = createTask(tc, { title: "reviewed", checks: ["true"], review: true });
    claimTask(tc, { id: task.id, agent: "bob" });
    expect((await completeTask(tc, { id: task.id })).task.status).toBe("awaiting_review");
    return { p, tc, task };
  }

  it("refuses to approve a task whose gates are still running", async () => {
    const p = await taskProject();
    const tc = p.open("bob");
    const task = createTask(tc, { title: "reviewed", checks: ["true"], review: true });
    claimTask(tc, { id: task.id, agent: "bob" });
    tc.store.write((tx) => tx.put({ ...tx.get(task.id), status: "verifying" }));
    const error = errorOf(() => approveTask(tc, task.id, "ann"));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("only a task awaiting review can be approved");
    expect(tc.store.get(task.id).status).toBe("verifying");
  });

  it("refuses an approval by the assignee, changing nothing", async () => {
    const { tc, task } = await awaitingReview();
    const before = stored(tc.store.file);
    const error = errorOf(() => approveTask(tc, task.id, "Bob"));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain("the reviewer must be someone else");
    expect(error.hint).toContain("allow_self_review: true");
    expect(stored(tc.store.file)).toBe(before);
    expect(approveTask(tc, task.id, "ann").status).toBe("done");
  });

  it("refuses an approval by whoever completed it, unless the project allows self-review", async () => {
    const { p, task } = await awaitingReview();
    const carol = p.open("carol");
    rejectTask(carol, { id: task.id, reason: "redo", by: "carol" });
    startTask(carol, task.id);
    p.advance(31 * 60_000); // bob's lease has ended: carol may complete it
    await completeTask(carol, { id: task.id });
    expect(errorOf(() => approveTask(carol, task.id, "carol")).message).toContain("submitter");
    const solo = { ...p.open("bob"), config: configSchema.parse({ tasks: { allow_self_review: true } }) };
    expect(approveTask(solo, task.id, "bob").status).toBe("done");
  });
});
