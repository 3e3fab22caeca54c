import { type Command, Option } from "commander";
import { oneOf } from "../core/options.js";
import { info, oneLine, printJson, printLine, printTable, style, visible } from "../core/output.js";
import { STATUSES, shortCommit, type Task, type TaskEvent } from "../tasks/model.js";
import type { TaskRow } from "../tasks/store.js";
import { jsonOption, tasks } from "./common.js";

/** The read-only task commands: list, ready, show, history, deps. */
export function registerTaskViews(task: Command): void {
  defineList(task);
  defineShow(task);
  defineReady(task);
  defineDeps(task);
  defineHistory(task);
}

async function printRows(rows: TaskRow[]): Promise<void> {
  if (rows.length === 0) return info("No tasks.");
  await printTable(rows, [
    { header: "ID", value: (r) => r.id },
    { header: "P", value: (r) => r.priority },
    { header: "STATUS", value: (r) => statusLabel(r.status, r.unverified) },
    { header: "ASSIGNEE", value: (r) => oneLine(r.assignee ?? "-") },
    { header: "DEPS", value: (r) => oneLine(r.dependsOn.join(",") || "-") },
    { header: "TITLE", value: (r) => oneLine(r.title) },
  ]);
}

/** `done (unverified)`: marked done without the passing gate run that makes a task done. */
function statusLabel(status: string, unverified = false): string {
  if (status === "done") return unverified ? style.error("done (unverified)") : style.ok(status);
  if (status === "rejected" || status === "blocked") return style.error(status);
  if (status === "open") return status;
  return style.warn(status);
}

function defineList(task: Command): void {
  jsonOption(task.command("list").alias("ls").description("tasks, most urgent first"))
    .addOption(oneOf(new Option("-s, --status <status>", "only this status"), STATUSES))
    .option("--ready", "only open tasks whose dependencies are done")
    .option("-a, --assignee <agent>", "only tasks assigned to this agent")
    .option("--unverified", "only tasks marked done without a passing gate run")
    .action(
      async (o: {
        status?: string;
        ready?: boolean;
        assignee?: string;
        unverified?: boolean;
        json?: boolean;
      }) => {
        const { listTasks } = await import("../tasks/list.js");
        const rows = listTasks(await tasks(), o);
        if (o.json) return printJson(rows);
        await printRows(rows);
        if (o.unverified && rows.length)
          info(
            style.dim(`Settle each with \`nexus task verify ID\`: pass → done, fail → back to in_progress.`),
          );
      },
    );
}

function defineReady(task: Command): void {
  jsonOption(task.command("ready").description("open tasks whose dependencies are done, best first")).action(
    async (o: { json?: boolean }) => {
      const { listTasks } = await import("../tasks/list.js");
      const rows = listTasks(await tasks(), { ready: true });
      if (o.json) return printJson(rows);
      await printRows(rows);
    },
  );
}

function defineShow(task: Command): void {
  jsonOption(task.command("show <id>").description("everything about a task, with its full history")).action(
    async (id: string, o: { json?: boolean }) => {
      const { showTask, reviewReason } = await import("../tasks/integrity.js");
      const t = showTask((await tasks(undefined, id)).store, id);
      const { unverified, unverifiedReason: why } = t;
      if (o.json) return printJson(t);
      printLine(
        `${style.bold(t.id)}  ${statusLabel(t.status, unverified)}  P${t.priority}  ${oneLine(t.title)}`,
      );
      if (why) printLine(style.error(`Unverified: ${oneLine(why)}. Settle it: nexus task verify ${t.id}`));
      if (t.description) printLine(`\n${visible(t.description, { multiline: true })}\n`);
      const review = reviewReason(t);
      const fields: [string, string][] = [
        ["assignee", t.assignee ?? "-"],
        ["lease until", t.leaseExpiresAt ?? "-"],
        ["workspace", t.workspace ?? "-"],
        ["depends on", t.dependsOn.join(", ") || "-"],
        ["checks", checkList(t.checks)],
        ["review", t.review ? "required" : review ? `required: ${review}` : "no"],
        ["labels", t.labels.join(", ") || "-"],
        ["rejections", String(t.rejections)],
        ...(t.source ? [["imported", `from ${t.source.tool} ${t.source.id}`] as [string, string]] : []),
      ];
      for (const [k, v] of fields) printLine(`${k.padEnd(12)} ${oneLine(v)}`);
      printLine("");
      printHistory(t);
    },
  );
}

const checkList = (checks: string[]) => oneLine(checks.join(" ; ")) || "(project default gates)";

/** A change of checks, old → new. */
function checksMove(e: TaskEvent): string {
  return `${checkList(e.checksBefore ?? [])} → ${checkList(e.checksAfter ?? [])}`;
}

function printHistory(t: Task): void {
  for (const e of t.history) {
    const move = e.from || e.to ? ` ${e.from ?? ""}→${e.to ?? ""}` : "";
    // One event, one line: a note with a newline cannot draw a fake event below it.
    const what = oneLine(`${e.by.padEnd(10)} ${e.type}${move}${e.note ? `: ${e.note}` : ""}`);
    const commit = e.commit ? style.dim(` @${oneLine(shortCommit(e.commit))}`) : "";
    const signed = e.signature ? style.dim(` signed by ${oneLine(e.signer ?? "?")}`) : "";
    printLine(`${style.dim(oneLine(e.at))} ${what}${commit}${signed}`);
    if (e.type === "checks_changed") printLine(`    checks: ${checksMove(e)}`);
    if (e.reviewFiles?.length)
      printLine(`    touches what its checks depend on: ${e.reviewFiles.join(", ")}`);
    for (const r of e.results ?? []) {
      printLine(
        `    ${r.exitCode === 0 ? style.ok("pass") : style.error(`exit ${r.exitCode}`)} ${oneLine(r.command)} (${r.durationMs} ms)`,
      );
      if (r.exitCode !== 0 && r.outputTail)
        printLine(
          visible(r.outputTail, { multiline: true })
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
