import { type Command, Option } from "commander";
import { oneOf, positiveInt, writeUserFile } from "../core/options.js";
import { info, printer, printJson, printLine, printTable, success } from "../core/output.js";
import { jsonOption } from "./common.js";
import { projectOutcomes, projectTasks } from "./outcomes.js";
import { registerSync } from "./sync.js";

/** The database every telemetry command reads; a home it cannot be opened in is named, not a crash. */
async function telemetryDb() {
  const { openTelemetry, telemetryFile } = await import("../telemetry/store.js");
  try {
    return await openTelemetry();
  } catch (error) {
    const { isNexusError, NexusError } = await import("../core/errors.js");
    if (isNexusError(error)) throw error;
    throw new NexusError(
      `Cannot open the telemetry database ${telemetryFile()}: ${(error as Error).message}`,
      {
        hint: "Check that its folder can be written, or point NEXUS_HOME at one that can.",
        category: "environment",
        cause: error,
      },
    );
  }
}

/** The window of `stats`, `insights` (a week unless asked) and `dashboard` (30 days unless asked). */
function days(o: { week?: boolean; month?: boolean; days?: number }, usual = 7): number {
  return o.days ?? (o.month ? 30 : o.week ? 7 : usual);
}

const windowOptions = (c: Command) =>
  c
    .option("--week", "the last 7 days (default)")
    .option("--month", "the last 30 days")
    .option("--days <n>", "the last N days (1 to 3650)", positiveInt("--days", 3650));

export function registerTelemetry(program: Command): void {
  const telemetry = program
    .command("telemetry")
    .description("local telemetry: what is recorded, on/off, purge");
  jsonOption(
    telemetry.command("status").description("what is collected, where, how much, and whether sync is set up"),
  ).action(async (o: { json?: boolean }) => {
    const { telemetryStatus } = await import("../telemetry/status.js");
    const status = telemetryStatus(await telemetryDb());
    if (o.json) return printJson(status);
    for (const [k, v] of Object.entries(status))
      printLine(`${k.padEnd(14)} ${Array.isArray(v) ? v.join(", ") : v}`);
  });
  telemetry
    .command("on")
    .description("record commands locally (the default)")
    .action(async () => {
      const { setRecording } = await import("../telemetry/store.js");
      setRecording(await telemetryDb(), true);
      success("Telemetry is on (local only; nothing is sent without `nexus sync now`).");
    });
  telemetry
    .command("off")
    .description("stop recording")
    .action(async () => {
      const { setRecording } = await import("../telemetry/store.js");
      setRecording(await telemetryDb(), false);
      success("Telemetry is off: nothing is recorded.");
    });
  definePurge(telemetry);
  defineStats(program);
  defineInsights(program);
  defineExport(program);
  defineDashboard(program);
  registerSync(program, telemetryDb);
}

function definePurge(telemetry: Command): void {
  telemetry
    .command("purge")
    .description("delete all recorded telemetry (asks first)")
    .option("-f, --force", "do not ask")
    .action(async (o: { force?: boolean }) => {
      if (!o.force) {
        const { confirm } = await import("../core/prompt.js");
        if (!(await confirm("Delete all local telemetry (events, sessions, patterns)?")))
          return info("Nothing changed.");
      }
      const { purgeTelemetry } = await import("../telemetry/status.js");
      const { recording } = await purgeTelemetry();
      success(
        recording === "off"
          ? "All telemetry deleted. Recording stays off (`nexus telemetry on` turns it on)."
          : "All telemetry deleted. Recording is on: new commands are recorded (`nexus telemetry off` stops it).",
      );
    });
}

function defineStats(program: Command): void {
  jsonOption(
    windowOptions(
      program
        .command("stats")
        .description("command counts, success rate, durations and, in a project, task outcomes"),
    ),
  ).action(async (o: { week?: boolean; month?: boolean; days?: number; json?: boolean }) => {
    const { statsFor } = await import("../telemetry/report.js");
    const db = await telemetryDb();
    // One window for every part: the stats' grouped scan is then shared with the dogfood metrics.
    const now = new Date();
    const stats = statsFor(db, days(o), now);
    const project = await projectTasks(days(o), now);
    const dogfood = await (await import("../dogfood/summary.js")).dogfoodSummary(db, days(o), {
      now,
      report: printer,
      facts: project?.facts,
    });
    const taskOutcomes = project && (await projectOutcomes(days(o), project, now));
    if (o.json) return printJson({ ...stats, dogfood, ...(taskOutcomes ? { taskOutcomes } : {}) });
    printLine(
      `${stats.commands} commands since ${stats.since.slice(0, 10)}, ${Math.round(stats.successRate * 100)}% succeeded; ${stats.workspacesCreated} workspaces created, ${stats.tasksCompleted} tasks completed, ${stats.sessions} sessions (avg ${stats.averageSessionMinutes.toFixed(1)} min)`,
    );
    printLine(
      `Operation failure rate: ${(stats.failureRate * 100).toFixed(1)}% (target < ${stats.failureRateTarget * 100}%): ${stats.failureRateMet ? "met" : "not met"}`,
    );
    const { landingLine, notFailures } = await import("../telemetry/dashboard.js");
    if (stats.landings.landed || stats.landings.sentBack) printLine(`Landings: ${landingLine(stats)}`);
    const others = notFailures(stats);
    if (others) printLine(`Not counted as failures: ${others}`);
    if (taskOutcomes)
      printLine((await import("../telemetry/task-outcomes.js")).outcomeLines(taskOutcomes).join("\n"));
    if (!stats.byCommand.length) return;
    await printTable(stats.byCommand, [
      { header: "COMMAND", value: (c) => c.command },
      { header: "COUNT", value: (c) => c.count },
      { header: "FAILED", value: (c) => c.failures },
      { header: "REFUSED", value: (c) => c.refused },
      { header: "PASSED THROUGH", value: (c) => c.passedThrough },
      { header: "GATE FAILED", value: (c) => c.gateFailed },
      { header: "P50 MS", value: (c) => Math.round(c.p50Ms) },
      { header: "P95 MS", value: (c) => Math.round(c.p95Ms) },
    ]);
    printLine((await import("../dogfood/metrics.js")).renderDogfood(dogfood).join("\n"));
  });
}

function defineInsights(program: Command): void {
  jsonOption(
    windowOptions(
      program.command("insights").description("slow commands, recurring errors and what to do about them"),
    ),
  )
    .option("--slow", "only slow commands")
    .option("--errors", "only recurring errors")
    .option(
      "--improvements",
      "only suggested improvements (cached images, port range, failure rate, rising durations)",
    )
    .action(
      async (o: {
        week?: boolean;
        month?: boolean;
        days?: number;
        slow?: boolean;
        errors?: boolean;
        improvements?: boolean;
        json?: boolean;
      }) => {
        const { insightsFor } = await import("../telemetry/report.js");
        const kinds = [o.slow && "slow", o.errors && "error", o.improvements && "improvement"].filter(
          Boolean,
        );
        const { unverifiedInsight } = await import("../telemetry/insights.js");
        const project = await projectTasks(days(o));
        const unverified = unverifiedInsight([...(project?.unverified ?? [])], new Date());
        // Outcome insights name checks, reasons and skills: shown, never kept in telemetry's patterns table.
        const taskOutcomes = project && (await projectOutcomes(days(o), project));
        const { outcomeInsights } = await import("../telemetry/task-outcomes.js");
        const insights = [
          ...(unverified ? [unverified] : []),
          ...(taskOutcomes ? outcomeInsights(taskOutcomes, new Date()) : []),
          ...insightsFor(await telemetryDb(), days(o)),
          ...(await import("../telemetry/probes.js")).failedProbeInsights(await telemetryDb(), days(o)),
        ].filter((i) => !kinds.length || kinds.includes(i.kind));
        if (o.json) return printJson(insights);
        if (!insights.length) return info("Nothing stands out.");
        for (const i of insights) printLine(`• [${i.kind}] ${i.description}\n  → ${i.suggestion}`);
      },
    );
}

function defineExport(program: Command): void {
  program
    .command("export")
    .description("export telemetry as JSON, CSV or a SQL dump")
    .addOption(oneOf(new Option("--format <format>", "file format").default("json"), ["json", "csv"]))
    .option("--sql", "a SQL dump that sqlite3 can load")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (o: { format: string; sql?: boolean; output?: string }) => {
      const { exportCsv, exportJson, exportSql } = await import("../telemetry/export.js");
      const db = await telemetryDb();
      const text = o.sql ? exportSql(db) : o.format === "csv" ? exportCsv(db) : exportJson(db);
      if (!o.output) return void process.stdout.write(text);
      await writeUserFile(o.output, text, `-o nexus-telemetry.${o.sql ? "sql" : o.format}`);
      success(`Exported to ${o.output}.`);
    });
}

function defineDashboard(program: Command): void {
  jsonOption(
    program
      .command("dashboard")
      .description("the last 30 days at a glance (or --week, --days N; --html for a page with charts)")
      .option("--week", "the last 7 days")
      .option("--month", "the last 30 days (default)")
      .option("--days <n>", "the last N days (1 to 3650)", positiveInt("--days", 3650)),
  )
    .option("--html <file>", "write an HTML page with charts")
    .action(async (o: { html?: string; json?: boolean; week?: boolean; month?: boolean; days?: number }) => {
      const { statsFor, insightsFor } = await import("../telemetry/report.js");
      const db = await telemetryDb();
      const window = days(o, 30);
      const now = new Date(); // one window for every part, so they share what they read
      const project = await projectTasks(window, now);
      const taskOutcomes = project && (await projectOutcomes(window, project, now));
      const { outcomeInsights } = await import("../telemetry/task-outcomes.js");
      // The insights and the stats share their reads of the window (stats-sql.ts, notable.ts).
      // Outcome insights are shown, never kept in telemetry (they name checks and skills).
      const insights = [
        ...(taskOutcomes ? outcomeInsights(taskOutcomes, new Date()) : []),
        ...insightsFor(db, window, now),
      ];
      const data = { stats: statsFor(db, window, now), insights, ...(taskOutcomes ? { taskOutcomes } : {}) };
      if (o.json) return printJson(data);
      if (!o.html) {
        const { renderDashboard } = await import("../telemetry/dashboard.js");
        printLine(renderDashboard(data, process.stdout.columns ?? 80));
        const { renderDogfood } = await import("../dogfood/metrics.js");
        return printLine(
          renderDogfood(
            await (await import("../dogfood/summary.js")).dogfoodSummary(db, window, {
              now,
              report: printer,
              facts: project?.facts,
            }),
          ).join("\n"),
        );
      }
      const { renderDashboardHtml } = await import("../telemetry/dashboard-html.js");
      await writeUserFile(o.html, renderDashboardHtml(data), "--html dashboard.html");
      success(`Dashboard written to ${o.html}.`);
    });
}
