import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { taskProject } from "../fixtures.test-helper.js";
import { startTask } from "../operations.js";
import { importTasks } from "./index.js";

const fixtures = new URL("../../../test/fixtures/import/", import.meta.url).pathname;

/** A copy of the beads fixture the test may edit. */
function beadsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "nexus-import-"));
  cpSync(join(fixtures, "beads/.beads/issues.jsonl"), join(dir, "issues.jsonl"));
  return join(dir, "issues.jsonl");
}

const edit = (file: string, from: string, to: string) =>
  writeFileSync(file, readFileSync(file, "utf8").replace(from, to));

describe("importing into the task store", () => {
  it("creates, then updates in place; an imported done is unverified; deps follow the source", async () => {
    const project = await taskProject();
    const tc = project.open();
    const file = beadsFile();
    const first = importTasks(tc, { from: "beads", path: file });
    expect([first.created, first.updated, first.unchanged, first.skipped]).toEqual([4, 0, 0, 1]);
    const id = (source: string) => first.tasks.find((r) => r.source === source)!.id;
    const login = tc.store.get(id("bd-a1b2"));
    expect(login).toMatchObject({ status: "done", source: { tool: "beads", id: "bd-a1b2" } });
    expect(login.history.map((e) => e.type)).toEqual(["imported"]);
    // Nothing is trusted on the other tool's word: done without a gate run, flagged everywhere.
    expect(tc.store.unverifiedIds()).toEqual([login.id]);
    expect(tc.store.get(id("bd-c3d4")).dependsOn).toEqual([login.id]);
    expect(tc.store.get(id("bd-e5f6")).dependsOn).toEqual([id("bd-e5f6.1")]);

    expect(importTasks(tc, { from: "beads", path: file })).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 4,
    });
    edit(file, "Rate-limit the login endpoint", "Rate-limit login");
    const second = importTasks(tc, { from: "beads", path: file });
    expect([second.created, second.updated, second.unchanged]).toEqual([0, 1, 3]);
    expect(tc.store.get(id("bd-c3d4"))).toMatchObject({ title: "Rate-limit login" });
    expect(tc.store.all()).toHaveLength(4);
  });

  it("keeps Nexus's status once work started in Nexus; records a change of checks", async () => {
    const project = await taskProject();
    const tc = project.open();
    const file = beadsFile();
    const first = importTasks(tc, { from: "beads", path: file });
    const limit = first.tasks.find((r) => r.source === "bd-c3d4")!.id;
    const login = first.tasks.find((r) => r.source === "bd-a1b2")!.id;
    tc.store.write((tx) => tx.put({ ...tx.get(limit), dependsOn: [] }));
    startTask(tc, limit);
    edit(file, '"status":"open","priority":0', '"status":"closed","priority":0');
    edit(file, "- `npm test -- login`", "- `npm test`");
    const again = importTasks(tc, { from: "beads", path: file });
    const row = again.tasks.find((r) => r.id === limit)!;
    expect(row.changes).toEqual(["dependsOn", "status (kept: in_progress)"]);
    expect(tc.store.get(limit).status).toBe("in_progress");
    const checked = tc.store.get(login);
    expect(checked.checks).toEqual(["npm test"]);
    expect(checked.history.map((e) => e.type)).toEqual(["imported", "checks_changed", "import_updated"]);
  });

  it("a dry run writes nothing; a cycle and a bad record stop the import with nothing written", async () => {
    const project = await taskProject();
    const tc = project.open();
    const file = beadsFile();
    const dry = importTasks(tc, { from: "beads", path: file, dryRun: true });
    expect(dry.created).toBe(4);
    expect(tc.store.all()).toEqual([]);
    edit(
      file,
      '"labels":["auth","backend"]',
      '"labels":["auth","backend"],"dependencies":[{"issue_id":"bd-a1b2","depends_on_id":"bd-c3d4","type":"blocks"}]',
    );
    expect(() => importTasks(tc, { from: "beads", path: file })).toThrow(/make a cycle: .* -> /);
    writeFileSync(file, `${JSON.stringify({ id: "bd-x", title: "x".repeat(300), status: "open" })}\n`);
    expect(() => importTasks(tc, { from: "beads", path: file })).toThrow(/beads task bd-x: The title is 300/);
    writeFileSync(file, '{"id":"bd-1","title":"ok"}\n{"id":\n');
    expect(() => importTasks(tc, { from: "beads", path: file })).toThrow(/line 2 is not a beads task file/);
    expect(() => importTasks(tc, { from: "jira", path: file })).toThrow(/Unknown task format "jira"/);
    expect(tc.store.all()).toEqual([]);
  });

  it("a dependency on a task the file does not hold is left out, with a warning", async () => {
    const project = await taskProject();
    const tc = project.open();
    const file = beadsFile();
    writeFileSync(
      file,
      `${JSON.stringify({ id: "bd-1", title: "One", dependencies: [{ issue_id: "bd-1", depends_on_id: "bd-404", type: "blocks" }] })}\n`,
    );
    const result = importTasks(tc, { from: "beads", path: file });
    expect(result.warnings).toEqual(["beads bd-1 depends on bd-404, which is not in the file: left out"]);
    expect(tc.store.all()[0]!.dependsOn).toEqual([]);
  });
});

describe("exporting ids from an untrusted source", () => {
  it("a Claude id that is a path is not used as a file name", async () => {
    const { mkdirSync, readdirSync } = await import("node:fs");
    const { exportTasks } = await import("./index.js");
    const project = await taskProject();
    const tc = project.open();
    const dir = mkdtempSync(join(tmpdir(), "nexus-claude-"));
    mkdirSync(join(dir, "list"));
    writeFileSync(
      join(dir, "list", "1.json"),
      JSON.stringify({ id: "../../escape", subject: "Sneaky", status: "pending" }),
    );
    importTasks(tc, { from: "claude", path: join(dir, "list") });
    exportTasks(tc, { to: "claude", path: join(dir, "out") });
    expect(readdirSync(join(dir, "out")).sort()).toEqual([".highwatermark", "1.json"]);
    expect(readdirSync(dir).sort()).toEqual(["list", "out"]);
  });
});

describe("Task.source in tasks.jsonl", () => {
  it("is optional, and checked when present", async () => {
    const { validateTask, serializeTask } = await import("../model.js");
    const project = await taskProject();
    const tc = project.open();
    importTasks(tc, { from: "beads", path: beadsFile() });
    const task = tc.store.all()[0]!;
    const line = serializeTask(task);
    expect(line).toMatch(/"leaseExpiresAt":null,"source":\{"tool":"beads","id":"bd-[^"]+"\},"rejections"/);
    expect(() => validateTask({ ...task, source: { tool: "beads" } })).toThrow(/"source"/);
    const { source: _, ...plain } = task;
    expect(serializeTask(validateTask(plain))).not.toContain("source");
    // A merge takes it per field, like any other: one side imported, the other retitled.
    const { mergeTaskLists } = await import("../merge.js");
    const [merged] = mergeTaskLists([plain], [task], [{ ...plain, title: "Retitled" }]);
    expect(merged).toMatchObject({ source: task.source, title: "Retitled" });
  });
});
