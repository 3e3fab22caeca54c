import type { Command } from "commander";
import { ExitStatus } from "../core/errors.js";
import { nonEmpty, positiveNumber } from "../core/options.js";
import { printer, printJson, printLine, success, warn } from "../core/output.js";
import { jsonOption } from "./common.js";

interface ProbeCliOptions {
  template?: string;
  maxDuration?: number;
  maxSwitch?: number;
  check?: string;
  includeDaemonRestart?: boolean;
  json?: boolean;
}

export function registerProbe(program: Command): void {
  jsonOption(
    program
      .command("probe <probe>")
      .description(
        "check the product plan's success criteria with a real run: workspace-creation, tasks, multi-workspace, recovery or all",
      ),
  )
    .option("-t, --template <template>", "template the probe workspaces use (default node-postgres)")
    .option(
      "--max-duration <seconds>",
      "workspace-creation: the duration bar (default 30)",
      positiveNumber("--max-duration", 3600, "seconds"),
    )
    .option(
      "--max-switch <seconds>",
      "multi-workspace: the context-switch bar (default 10)",
      positiveNumber("--max-switch", 3600, "seconds"),
    )
    .option(
      "--check <cmd>",
      "tasks: the check the scripted agent's tasks carry (default: test -f probe-done.txt)",
      nonEmpty("--check"),
    )
    .option("--include-daemon-restart", "recovery: restart the Docker daemon too (stops every container)")
    .action(async (which: string, o: ProbeCliOptions) => {
      const { runProbes } = await import("../dogfood/probes/run.js");
      const summary = await runProbes(which, {
        template: o.template,
        maxDurationMs: o.maxDuration === undefined ? undefined : o.maxDuration * 1000,
        maxSwitchMs: o.maxSwitch === undefined ? undefined : o.maxSwitch * 1000,
        check: o.check,
        includeDaemonRestart: o.includeDaemonRestart,
        report: printer,
      });
      if (o.json) printJson(which === "all" ? summary : summary.probes[0]);
      else {
        const { renderProbeYaml } = await import("../dogfood/render.js");
        printLine(await renderProbeYaml(summary, which === "all"));
        const failed = summary.failed.map((f) => `${f.probe} (${f.criteria.join(", ")})`).join("; ");
        if (summary.passed) success("every success criterion passed");
        else warn(`failed: ${failed}`);
      }
      if (!summary.passed) throw ExitStatus.of("check_failed");
    });
}
