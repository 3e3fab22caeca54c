import type { Command } from "commander";
import { nonNegativeInt } from "../core/options.js";
import { info, printJson, printLine, printTable, style, success } from "../core/output.js";
import type { Task } from "../tasks/model.js";
import type { TaskRow } from "../tasks/store.js";
import { jsonOption } from "./common.js";
import { registerTaskFlow } from "./task-flow.js";

/** Opens the project's tasks as `actor` (--by/--agent), refusing an id or name beyond the limits first. */
export async function tasks(actor?: string, id?: string) {
  const { checkAgentName, checkTaskId } = await import("../tasks/limits.js");
  if (actor !== undefined) checkAgentName(actor);
  if (id !== undefined) checkTaskId(id);
  const { openTasks } = await import("../tasks/context.js");
  return openTasks({ actor });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const list = (value: string) =>
  value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

export function registerTask(program: Command): void {
  const task = program
    .command("task")
    .description("tasks that are done only when their verification gates pass");
  defineCreate(task);
  defineList(task);
  defineShow(task);
  defineReady(task);
  defineUpdate(task);
  defineDelete(task);
  defineDeps(task);
  defineHistory(task);
  registerTaskFlow(task);
}

function defineCreate(task: Command): void {
  jsonOption(task.command("create <title>").description("create a task"))
    .option("-d, --description <text>", "what to do and why")
    .option("-p, --priority <n>", "0 (most urgent) to 4", nonNegativeInt("--priority", 4), 2)
    .option("--depends <ids>", "comma-separated task IDs that must be done first", list)
    .option("--check <cmd>", "acceptance check: a command that must exit 0 (repeatable)", collect)
    .option("--review", "require an approval after the gates pass")
    .option("-w, --workspace <name>", "run the checks in this workspace's dev container")
    .option("-l, --label <label>", "label (repeatable)", collect)
    .option("--by <who>", "who creates it")
    .action(
      async (
        title: string,
        o: {
          description?: string;
          priority: number;
          depends?: string[];
          check?: string[];
          review?: boolean;
          workspace?: string;
          label?: string[];
          by?: string;
          json?: boolean;
        },
      ) => {
        const tc = await tasks(o.by);
        const { createTask } = await import("../tasks/lifecycle.js");
        const created = createTask(tc, {
          title,
          description: o.description,
          priority: o.priority,
          dependsOn: o.depends,
          checks: o.check,
          review: o.review,
          workspace: o.workspace,
          labels: o.label,
        });
        if (o.json) return printJson(created);
        success(`Created ${style.bold(created.id)}: ${created.title}`);
        if (!created.checks.length)
          info(
            style.dim(
              `no --check given: the project's default gates apply (${tc.config.gates.join(", ") || "none set yet"})`,
            ),
          );
      },
    );
}

export async function printRows(rows: TaskRow[]): Promise<void> {
  if (rows.length === 0) return info("No tasks.");
  await printTable(rows, [
    { header: "ID", value: (r) => r.id },
    { header: "P", value: (r) => r.priority },
    { header: "STATUS", value: (r) => statusLabel(r.status) },
    { header: "ASSIGNEE", value: (r) => r.assignee ?? "-" },
    { header: "DEPS", value: (r) => r.dependsOn.join(",") || "-" },
    { header: "TITLE", value: (r) => r.title },
  ]);
}

export function statusLabel(status: string): string {
  if (status === "done") return style.ok(status);
  if (status === "rejected" || status === "blocked") return style.error(status);
  if (status === "open") return status;
  return style.warn(status);
}

function defineList(task: Command): void {
  jsonOption(task.command("list").alias("ls").description("tasks, most urgent first"))
    .option("-s, --status <status>", "only this status")
    .option("--ready", "only open tasks whose dependencies are done")
    .option("-a, --assignee <agent>", "only tasks assigned to this agent")
    .action(async (o: { status?: string; ready?: boolean; assignee?: string; json?: boolean }) => {
      const { STATUSES } = await import("../tasks/model.js");
      if (o.status && !(STATUSES as readonly string[]).includes(o.status)) {
        const { UsageError } = await import("../core/errors.js");
        const { preview } = await import("../tasks/limits.js");
        throw new UsageError(`Unknown status ${preview(o.status)}.`, `Use one of: ${STATUSES.join(", ")}.`);
      }
      const tc = await tasks();
      const { expireLeases } = await import("../tasks/operations.js");
      expireLeases(tc);
      let rows = tc.store.rows({ status: o.status, assignee: o.assignee });
      if (o.ready) {
        const { readyTasks } = await import("../tasks/queries.js");
        rows = readyTasks(rows, tc.store.rows({ status: "done" }));
      }
      if (o.json) return printJson(rows);
      await printRows(rows);
    });
}

function defineReady(task: Command): void {
  jsonOption(task.command("ready").description("open tasks whose dependencies are done, best first")).action(
    async (o: { json?: boolean }) => {
      const tc = await tasks();
      const { expireLeases } = await import("../tasks/operations.js");
      const { readyTasks } = await import("../tasks/queries.js");
      expireLeases(tc);
      const rows = readyTasks(tc.store.rows({ status: "open" }), tc.store.rows({ status: "done" }));
      if (o.json) return printJson(rows);
      await printRows(rows);
    },
  );
}

function defineShow(task: Command): void {
  jsonOption(task.command("show <id>").description("everything about a task, with its full history")).action(
    async (id: string, o: { json?: boolean }) => {
      const t = (await tasks(undefined, id)).store.get(id);
      if (o.json) return printJson(t);
      printLine(`${style.bold(t.id)}  ${statusLabel(t.status)}  P${t.priority}  ${t.title}`);
      if (t.description) printLine(`\n${t.description}\n`);
      const fields: [string, string][] = [
        ["assignee", t.assignee ?? "-"],
        ["lease until", t.leaseExpiresAt ?? "-"],
        ["workspace", t.workspace ?? "-"],
        ["depends on", t.dependsOn.join(", ") || "-"],
        ["checks", t.checks.join(" ; ") || "(project default gates)"],
        ["review", t.review ? "required" : "no"],
        ["labels", t.labels.join(", ") || "-"],
        ["rejections", String(t.rejections)],
      ];
      for (const [k, v] of fields) printLine(`${k.padEnd(12)} ${v}`);
      printLine("");
      printHistory(t);
    },
  );
}

export function printHistory(t: Task): void {
  for (const e of t.history) {
    const move = e.from || e.to ? ` ${e.from ?? ""}→${e.to ?? ""}` : "";
    printLine(
      `${style.dim(e.at)} ${e.by.padEnd(10)} ${e.type}${move}${e.note ? `: ${e.note}` : ""}${e.commit ? style.dim(` @${e.commit.slice(0, 12)}`) : ""}`,
    );
    for (const r of e.results ?? []) {
      printLine(
        `    ${r.exitCode === 0 ? style.ok("pass") : style.error(`exit ${r.exitCode}`)} ${r.command} (${r.durationMs} ms)`,
      );
      if (r.exitCode !== 0 && r.outputTail)
        printLine(
          r.outputTail
            .split("\n")
            .map((l) => `      ${style.dim(l)}`)
            .join("\n"),
        );
    }
  }
}

function defineHistory(task: Command): void {
  jsonOption(
    task.command("history <id>").description("every transition: who, when, why, gate results"),
  ).action(async (id: string, o: { json?: boolean }) => {
    const t = (await tasks(undefined, id)).store.get(id);
    if (o.json) return printJson(t.history);
    printHistory(t);
  });
}

function defineDeps(task: Command): void {
  jsonOption(task.command("deps <id>").description("the dependency tree of a task")).action(
    async (id: string, o: { json?: boolean }) => {
      const tc = await tasks(undefined, id);
      const { dependencyTree, renderTree } = await import("../tasks/queries.js");
      tc.store.get(id);
      const tree = dependencyTree((x) => tc.store.find(x), id);
      if (o.json) return printJson(tree);
      for (const line of renderTree(tree)) printLine(line);
    },
  );
}

function defineUpdate(task: Command): void {
  jsonOption(task.command("update <id>").description("change a task's fields"))
    .option("--title <title>", "new title")
    .option("-d, --description <text>", "new description")
    .option("-p, --priority <n>", "0 to 4", nonNegativeInt("--priority", 4))
    .option("--depends <ids>", "replace the dependencies (comma-separated; empty string for none)", (v) =>
      list(v),
    )
    .option("--check <cmd>", "replace the checks (repeatable)", collect)
    .option("-w, --workspace <name>", "workspace for the checks")
    .option("-l, --label <label>", "replace the labels (repeatable)", collect)
    .option("--review", "require review")
    .option("--no-review", "do not require review")
    .option("--by <who>", "who changes it")
    .action(
      async (
        id: string,
        o: {
          title?: string;
          description?: string;
          priority?: number;
          depends?: string[];
          check?: string[];
          workspace?: string;
          label?: string[];
          review?: boolean;
          by?: string;
          json?: boolean;
        },
      ) => {
        const tc = await tasks(o.by);
        const { updateTask } = await import("../tasks/operations.js");
        const updated = updateTask(tc, id, {
          title: o.title,
          description: o.description,
          priority: o.priority,
          dependsOn: o.depends,
          checks: o.check,
          workspace: o.workspace,
          labels: o.label,
          review: o.review,
        });
        if (o.json) return printJson(updated);
        success(`Updated ${id}.`);
      },
    );
}

function defineDelete(task: Command): void {
  task
    .command("delete <id>")
    .description("delete a task (asks first)")
    .option("-f, --force", "do not ask")
    .action(async (id: string, o: { force?: boolean }) => {
      const tc = await tasks(undefined, id);
      const t = tc.store.get(id);
      if (!o.force) {
        const { confirm } = await import("../core/prompt.js");
        if (!(await confirm(`Delete task ${id} "${t.title}" and its history?`)))
          return info("Nothing changed.");
      }
      const { deleteTask } = await import("../tasks/operations.js");
      deleteTask(tc, id);
      success(`Deleted ${id}.`);
    });
}
