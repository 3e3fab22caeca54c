import type { Command } from "commander";
import { nonNegativeInt } from "../core/options.js";
import { info, oneLine, printJson, style, success, warn } from "../core/output.js";
import { collect, jsonOption, tasks } from "./common.js";
import { registerTaskFlow } from "./task-flow.js";
import { registerTaskPort } from "./task-port.js";
import { registerTaskViews } from "./task-view.js";

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
  registerTaskViews(task);
  defineUpdate(task);
  defineDelete(task);
  registerTaskFlow(task);
  registerTaskPort(task);
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
        // Telemetry hashes the new task's id, as every later command about it does (never the title).
        (await import("../telemetry/recorder.js")).noteTelemetry({ task: created.id });
        if (o.json) return printJson(created);
        success(`Created ${style.bold(created.id)}: ${oneLine(created.title)}`);
        if (!created.checks.length)
          info(
            style.dim(
              `no --check given: the project's default gates apply (${tc.config.gates.join(", ") || "none set yet"})`,
            ),
          );
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
    .option(
      "--allow-check-change",
      "weaken a started task's checks without the review it then needs (only if tasks.allow_check_change)",
    )
    .option("--by <who>", "who changes it")
    .action(update);
}

interface UpdateOptions {
  title?: string;
  description?: string;
  priority?: number;
  depends?: string[];
  check?: string[];
  workspace?: string;
  label?: string[];
  review?: boolean;
  allowCheckChange?: boolean;
  by?: string;
  json?: boolean;
}

async function update(id: string, o: UpdateOptions): Promise<void> {
  const { updateTask } = await import("../tasks/operations.js");
  const tc = await tasks(o.by);
  const fields = {
    title: o.title,
    description: o.description,
    priority: o.priority,
    dependsOn: o.depends,
    checks: o.check,
    workspace: o.workspace,
    labels: o.label,
    review: o.review,
  };
  const { task: updated, checksChange: change } = updateTask(tc, id, fields, {
    allowCheckChange: o.allowCheckChange,
  });
  if (o.json) return printJson(updated);
  success(`Updated ${id}.`);
  if (change?.reviewRequired)
    warn(
      `Its checks were weakened after work started: ${id} now needs a review by someone else before it is done (nexus task approve ${id} --by REVIEWER).${tc.config.tasks.allow_check_change ? " The project allows waiving that: --allow-check-change." : ""}`,
    );
  else if (change?.waived) info(style.dim("Checks weakened; the review was waived (--allow-check-change)."));
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
        if (!(await confirm(`Delete task ${id} "${oneLine(t.title)}" and its history?`)))
          return info("Nothing changed.");
      }
      const { deleteTask } = await import("../tasks/operations.js");
      deleteTask(tc, id);
      success(`Deleted ${id}.`);
    });
}
