import { type Command, Option } from "commander";
import { oneOf } from "../core/options.js";
import { info, oneLine, printJson, printTable, style, success, warn } from "../core/output.js";
import type { ExportResult, ImportResult } from "../tasks/import/index.js";
import { jsonOption, tasks } from "./common.js";

const TOOLS = ["beads", "taskmaster", "backlog", "claude"] as const;

/** `task import` and `task export`: other tools' task files in, Nexus's tasks out. */
export function registerTaskPort(task: Command): void {
  jsonOption(
    task
      .command("import [path]")
      .description(
        "bring in tasks from beads, Taskmaster, Backlog.md or Claude Code (again: updates, never duplicates)",
      ),
  )
    .addOption(
      oneOf(new Option("--from <tool>", "the tool whose files PATH holds").makeOptionMandatory(), TOOLS),
    )
    .option("--dry-run", "show what would be created and updated; change nothing")
    .option("--by <who>", "who imports (recorded in each task's history)")
    .action(
      async (
        path: string | undefined,
        o: { from: string; dryRun?: boolean; by?: string; json?: boolean },
      ) => {
        const { importTasks } = await import("../tasks/import/index.js");
        const result = importTasks(await tasks(o.by), { from: o.from, path, dryRun: o.dryRun });
        if (o.json) return printJson(result);
        await renderImport(result);
      },
    );
  jsonOption(
    task
      .command("export [path]")
      .description("write every task in the files of beads, Taskmaster, Backlog.md or Claude Code"),
  )
    .addOption(oneOf(new Option("--to <tool>", "the tool to write for").makeOptionMandatory(), TOOLS))
    .option("-f, --force", "replace the tool's files that are there already")
    .action(async (path: string | undefined, o: { to: string; force?: boolean; json?: boolean }) => {
      const { exportTasks } = await import("../tasks/import/index.js");
      const result = exportTasks(await tasks(), { to: o.to, path, force: o.force });
      if (o.json) return printJson(result);
      renderExport(result);
    });
}

async function renderImport(r: ImportResult): Promise<void> {
  if (r.dryRun && r.tasks.length)
    await printTable(r.tasks, [
      { header: "ACTION", value: (t) => t.action },
      // A new task's id is drawn when it is written: the dry run's would not be the one it gets.
      { header: "ID", value: (t) => (t.action === "create" ? "(new)" : t.id) },
      { header: "SOURCE", value: (t) => oneLine(t.source) },
      { header: "STATUS", value: (t) => t.status },
      { header: "CHECKS", value: (t) => t.checks.length },
      { header: "CHANGES", value: (t) => oneLine(t.changes.join(", ") || "-") },
      { header: "TITLE", value: (t) => oneLine(t.title) },
    ]);
  for (const w of r.warnings) warn(oneLine(w));
  const counts = `${r.created} to create, ${r.updated} to update, ${r.unchanged} unchanged${r.skipped ? `, ${r.skipped} deleted in ${r.from} (skipped)` : ""}`;
  if (r.dryRun) return info(`Dry run, nothing changed: ${counts}.`);
  success(
    `Imported from ${r.from} (${oneLine(r.path)}): ${counts.replace("to create", "created").replace("to update", "updated")}.`,
  );
  const done = r.tasks.filter((t) => t.action === "create" && t.status === "done").length;
  if (done)
    info(
      style.dim(
        `${done} imported as done are unverified until their gates pass in Nexus: nexus task list --unverified; nexus task verify ID`,
      ),
    );
}

function renderExport(r: ExportResult): void {
  const files = r.files.length === 1 ? "1 file" : `${r.files.length} files`;
  success(`Exported ${r.tasks} tasks for ${r.to} to ${oneLine(r.path)} (${files}).`);
}
