import type { Command } from "commander";
import { printJson, printLine, printTable } from "../core/output.js";
import { jsonOption, tasks } from "./common.js";

export function registerLand(program: Command): void {
  jsonOption(
    program
      .command("land")
      .description("land done, verified tasks on the target branch (this release: --dry-run, the plan only)")
      .argument("[ids...]", "only these tasks (default: every done, verified task with unlanded commits)"),
  )
    .option("--dry-run", "show the queue that would land, in order; change nothing")
    .action(async (ids: string[], o: { dryRun?: boolean; json?: boolean }) => {
      const tc = await tasks();
      const { landTasks } = await import("../tasks/land/plan.js");
      const result = await landTasks(tc, { ids, dryRun: o.dryRun });
      if (o.json) return printJson(result);
      if (!result.plan.length) return printLine(`Nothing to land on ${result.target}.`);
      printLine(`Would land on ${result.target}, in this order:`);
      await printTable(result.plan, [
        { header: "ID", value: (s) => s.id },
        { header: "BRANCH", value: (s) => s.branch },
        { header: "COMMITS", value: (s) => s.ahead },
        { header: "TITLE", value: (s) => s.title },
      ]);
    });
}
