import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { taskProject } from "../fixtures.test-helper.js";
import { newTask, STATUSES, type Task } from "../model.js";
import { exportTasks, importTasks, TOOLS } from "./index.js";

const text = (max: number) => fc.string({ unit: "grapheme", maxLength: max });
const oneLine = (max: number) =>
  fc
    .string({ unit: "grapheme", minLength: 1, maxLength: max })
    .filter((s) => s.trim() === s && s.length > 0 && !/[\n\r]/.test(s));

/** Tasks as Nexus could hold them: unicode, empty descriptions and lists, dependencies on earlier tasks. */
const taskList = fc
  .array(
    fc.record({
      title: oneLine(60),
      description: text(200),
      status: fc.constantFrom(...STATUSES),
      priority: fc.integer({ min: 0, max: 4 }),
      labels: fc.uniqueArray(oneLine(20), { maxLength: 4 }),
      checks: fc.uniqueArray(oneLine(40), { maxLength: 3 }),
      deps: fc.uniqueArray(fc.nat(20), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((rows) =>
    rows.map((r, i): Task => {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      return {
        ...newTask(`nx-t${i.toString().padStart(3, "0")}`, at),
        title: r.title,
        description: r.description,
        status: r.status,
        priority: r.priority,
        labels: r.labels,
        dependsOn: [
          ...new Set(r.deps.filter((d) => d < i).map((d) => `nx-t${d.toString().padStart(3, "0")}`)),
        ],
        checks: r.checks,
        history: [{ id: `e${i}`, at, by: "gen", type: "created", to: "open" }],
      };
    }),
  );

/** What an import can say of a status: verifying and awaiting_review claim a gate run no file proves. */
const expectedStatus = (s: Task["status"]) =>
  s === "verifying" || s === "awaiting_review" ? "in_progress" : s;

const fields = (t: Task, idOf: (id: string) => string) => ({
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  labels: t.labels,
  dependsOn: t.dependsOn.map(idOf),
  checks: t.checks,
});

describe("export then import gives the same tasks, field for field", () => {
  for (const tool of TOOLS) {
    it(`${tool}`, async () => {
      const a = await taskProject();
      const b = await taskProject();
      const [from, to] = [a.open(), b.open()];
      await fc.assert(
        fc.property(taskList, (tasks) => {
          from.store.replaceAll(tasks);
          to.store.replaceAll([]);
          const dir = mkdtempSync(join(tmpdir(), `nexus-roundtrip-${tool}-`));
          const path = join(dir, tool === "backlog" || tool === "claude" ? "tasks" : "tasks.file");
          exportTasks(from, { to: tool, path });
          const first = importTasks(to, { from: tool, path });
          expect(first.created).toBe(tasks.length);
          const imported = to.store.all();
          const bySource = new Map(first.tasks.map((r, i) => [tasks[i]!.id, r.id]));
          // The export writes tasks in creation order, which is the generated order.
          for (const original of tasks) {
            const copy = imported.find((t) => t.id === bySource.get(original.id))!;
            expect(fields(copy, (id) => id)).toEqual({
              ...fields(original, (id) => bySource.get(id)!),
              status: expectedStatus(original.status),
            });
            expect(copy.source?.tool).toBe(tool);
          }
          // Never a verified done: every done the import wrote lists as unverified.
          const done = imported.filter((t) => t.status === "done").map((t) => t.id);
          expect(to.store.unverifiedIds().sort()).toEqual(done.sort());
          // A second import of the same files changes nothing.
          const again = importTasks(to, { from: tool, path });
          expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, tasks.length]);
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  }
});
