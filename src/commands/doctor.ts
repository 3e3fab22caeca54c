import type { Command } from "commander";
import { ExitStatus } from "../core/errors.js";
import { printJson, printLine, style } from "../core/output.js";
import { jsonOption } from "./common.js";

export function registerDoctor(program: Command): void {
  jsonOption(
    program
      .command("doctor")
      .description("check Docker, git, ports, SSH and HTTPS from a container, and say what to fix"),
  ).action(async (opts: { json?: boolean }) => {
    const { runDoctor } = await import("../doctor/doctor.js");
    const checks = await runDoctor();
    if (opts.json) printJson(checks);
    else {
      const mark = { ok: style.ok("✔"), warn: style.warn("!"), fail: style.error("✖") };
      for (const check of checks) {
        printLine(`${mark[check.status]} ${check.name.padEnd(8)} ${check.detail}`);
        if (check.fix) printLine(`  ${style.dim("fix:")} ${check.fix}`);
      }
    }
    if (checks.some((c) => c.status === "fail")) throw ExitStatus.of("check_failed");
  });
}
