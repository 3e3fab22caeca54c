import type { Command } from "commander";
import { printJson, printLine } from "../core/output.js";
import { jsonOption, tasks } from "./common.js";

export function registerPrime(program: Command): void {
  jsonOption(
    program
      .command("prime")
      .description("compact summary of the work for an agent starting or resuming a session"),
  )
    .option("--agent <agent>", "whose claims to show (default: NEXUS_AGENT or the user)")
    .action(async (o: { agent?: string; json?: boolean }) => {
      const tc = await tasks(o.agent);
      const { prime, renderPrime } = await import("../tasks/prime.js");
      const summary = prime(tc);
      if (o.json) return printJson(summary);
      printLine(renderPrime(summary));
    });
}
