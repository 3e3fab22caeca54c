import { Argument, type Command, Option } from "commander";
import type { Db } from "../core/db.js";
import { ExitStatus } from "../core/errors.js";
import { oneOf } from "../core/options.js";
import { info, printJson, printLine, success, warn } from "../core/output.js";
import type { SyncResult } from "../telemetry/sync.js";
import { jsonOption } from "./common.js";

export function registerSync(program: Command, telemetryDb: () => Promise<Db>): void {
  const sync = program
    .command("sync")
    .description("opt-in upload of telemetry to your own endpoint (OTLP/HTTP JSON or JSON)");
  sync
    .command("setup")
    .description("configure the endpoint")
    .requiredOption("--endpoint <url>", "e.g. https://collector:4318/v1/logs")
    .addOption(oneOf(new Option("--format <format>", "what is sent").default("otlp"), ["otlp", "json"]))
    .option("--allow-http", "permit plain http (trusted networks only)")
    .action(async (o: { endpoint: string; format: "otlp" | "json"; allowHttp?: boolean }) => {
      const { setupSync } = await import("../telemetry/sync.js");
      setupSync(await telemetryDb(), { endpoint: o.endpoint, format: o.format, allowHttp: o.allowHttp });
      success(
        `Sync set up: ${o.format} → ${o.endpoint}. Nothing is sent until \`nexus sync now\` (or \`nexus sync auto on\`).`,
      );
    });
  defineSyncNow(sync, program, telemetryDb);
  sync
    .command("auto")
    .description("on: upload in the background after commands, at most once an hour; off: only `sync now`")
    .addArgument(oneOf(new Argument("<state>", "on or off"), ["on", "off"], "Example: nexus sync auto on"))
    .action(async (state: "on" | "off") => {
      const { setAutoSync } = await import("../telemetry/sync.js");
      setAutoSync(await telemetryDb(), state === "on");
      success(`Automatic sync ${state}.`);
    });
  defineSyncStatus(sync, telemetryDb);
}

function defineSyncNow(sync: Command, program: Command, telemetryDb: () => Promise<Db>): void {
  jsonOption(sync.command("now").description("upload the events recorded since the last sync"))
    .option("--allow-http", "permit a plain http endpoint from OTEL_EXPORTER_OTLP_(LOGS_)ENDPOINT")
    .action(async (o: { json?: boolean; allowHttp?: boolean }) => {
      const { syncNow } = await import("../telemetry/sync.js");
      const result = await syncNow(await telemetryDb(), program.version() ?? "0", { allowHttp: o.allowHttp });
      if (o.json) printJson(result);
      else renderSync(result);
      // Refused or rejected events were sent but not stored: the command says so and fails.
      if (result.rejected || result.skipped) throw ExitStatus.of("sync");
    });
}

function renderSync(result: SyncResult) {
  if (!result.rejected && !result.skipped)
    return success(`Sent ${result.sent} events in ${result.batches} batch(es) to ${result.endpoint}.`);
  warn(
    `${result.accepted} of ${result.sent} events stored by ${result.endpoint}; ${result.rejected} rejected, ${result.skipped} refused (HTTP 400).`,
  );
  for (const problem of result.problems) printLine(`  ${problem}`);
  info(
    "Rejected and refused events are recorded as `error` events (`nexus insights --errors`); they are not resent.",
  );
}

function defineSyncStatus(sync: Command, telemetryDb: () => Promise<Db>): void {
  jsonOption(sync.command("status").description("endpoint, pending events, last attempt and error")).action(
    async (o: { json?: boolean }) => {
      const { syncStatus } = await import("../telemetry/sync.js");
      const status = syncStatus(await telemetryDb());
      if (o.json) return printJson(status);
      for (const [k, v] of Object.entries(status))
        printLine(
          `${k.padEnd(12)} ${v === null ? "-" : typeof v === "object" ? `${v.format} → ${v.endpoint}` : v}`,
        );
    },
  );
}
