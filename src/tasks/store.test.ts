import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectingReport } from "../core/report.js";
import { taskProject } from "./fixtures.test-helper.js";
import { formatTasks, parseTasks } from "./jsonl.js";
import { createTask } from "./lifecycle.js";
import { mergeTaskLists, splitConflict } from "./merge.js";
import { repairConflictMarkers } from "./merge-driver.js";
import { newTask, type Task } from "./model.js";
import { startTask, updateTask } from "./operations.js";

describe("tasks.jsonl and its index", () => {
  it("writes one task a line, sorted by id, with a stable key order", async () => {
    const p = await taskProject();
    const tc = p.open();
    for (const title of ["a", "b", "c", "d"]) createTask(tc, { title });
    const lines = readFileSync(tc.store.file, "utf8").trimEnd().split("\n");
    const ids = lines.map((l) => JSON.parse(l).id);
    expect(ids).toEqual([...ids].sort());
    expect(lines.every((l) => l.startsWith('{"id":"nx-') && l.includes('"history":['))).toBe(true);
    expect(formatTasks(parseTasks(readFileSync(tc.store.file, "utf8")).tasks)).toBe(
      readFileSync(tc.store.file, "utf8"),
    );
  });

  it("sees a change made to the file by another hand (git pull, checkout) on the next read", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "before" });
    const text = readFileSync(tc.store.file, "utf8").replace('"title":"before"', '"title":"after"');
    writeFileSync(tc.store.file, text);
    expect(tc.store.get(task.id).title).toBe("after");
  });

  it("reports a corrupt line with its number, loads the rest, and refuses to write", async () => {
    const p = await taskProject();
    const report = collectingReport();
    const tc = p.open("tester", report);
    const keep = createTask(tc, { title: "keep" });
    writeFileSync(tc.store.file, `${readFileSync(tc.store.file, "utf8")}{not json\n`);
    expect(tc.store.get(keep.id).title).toBe("keep");
    expect(report.messages[0]).toMatchObject({
      level: "warn",
      message: expect.stringContaining("tasks.jsonl:2"),
    });
    const before = readFileSync(tc.store.file, "utf8");
    expect(() => startTask(tc, keep.id)).toThrow(/tasks\.jsonl:2/);
    expect(readFileSync(tc.store.file, "utf8")).toBe(before);
  });
});

function task(id: string, fields: Partial<Task>, events: string[] = []): Task {
  return {
    ...newTask(id, "2026-01-01T00:00:00Z"),
    title: id,
    history: events.map((e) => ({
      id: e,
      at: `2026-01-0${e.length}T00:00:00Z`,
      by: "x",
      type: e.startsWith("rej") ? "rejected" : "note",
    })),
    ...fields,
  };
}

describe("merging task lists", () => {
  it("merges per field, unions histories and keeps tasks added on either side", () => {
    const base = [task("nx-a", {}, ["e1"])];
    const ours = [
      task("nx-a", { priority: 0, updatedAt: "2026-01-02T00:00:00Z" }, ["e1", "ours"]),
      task("nx-o", {}),
    ];
    const theirs = [
      task("nx-a", { status: "in_progress", updatedAt: "2026-01-03T00:00:00Z" }, ["e1", "rej1"]),
      task("nx-t", {}),
    ];
    const merged = mergeTaskLists(base, ours, theirs);
    expect(merged.map((t) => t.id)).toEqual(["nx-a", "nx-o", "nx-t"]);
    const a = merged[0]!;
    expect(a).toMatchObject({
      priority: 0,
      status: "in_progress",
      updatedAt: "2026-01-03T00:00:00Z",
      rejections: 1,
    });
    expect(a.history.map((e) => e.id).sort()).toEqual(["e1", "ours", "rej1"]);
  });

  it("lets the newer side win a field changed on both, and keeps a task deleted on one side but changed on the other", () => {
    const base = [task("nx-a", {}), task("nx-d", {})];
    const ours = [task("nx-a", { title: "ours", updatedAt: "2026-01-05T00:00:00Z" })];
    const theirs = [
      task("nx-a", { title: "theirs", updatedAt: "2026-01-04T00:00:00Z" }),
      task("nx-d", { title: "changed" }),
    ];
    const merged = mergeTaskLists(base, ours, theirs);
    expect(merged.map((t) => [t.id, t.title])).toEqual([
      ["nx-a", "ours"],
      ["nx-d", "changed"],
    ]);
    expect(mergeTaskLists(base, [base[0]!], base).map((t) => t.id)).toEqual(["nx-a"]);
  });

  it("repairs a file merged without the driver, keeping both sides", () => {
    const a = formatTasks([task("nx-aaa", { title: "ours" })]).trim();
    const b = formatTasks([task("nx-bbb", {})]).trim();
    const text = `${formatTasks([task("nx-000", {})])}<<<<<<< HEAD\n${a}\n=======\n${b}\n>>>>>>> feature\n`;
    expect(splitConflict(text).ours).toContain("nx-aaa");
    const repaired = repairConflictMarkers(text);
    expect(repaired.conflicted).toBe(true);
    expect(parseTasks(repaired.text).tasks.map((t) => t.id)).toEqual(["nx-000", "nx-aaa", "nx-bbb"]);
    expect(repairConflictMarkers(b).conflicted).toBe(false);
  });

  it("rejects an update that empties the title", async () => {
    const p = await taskProject();
    const tc = p.open();
    const t = createTask(tc, { title: "x" });
    expect(() => updateTask(tc, t.id, { title: " " })).toThrow(/needs a title/);
    expect(updateTask(tc, t.id, { priority: 0, labels: ["l"] }).task.history.at(-1)!.note).toBe(
      "priority, labels",
    );
  });
});
