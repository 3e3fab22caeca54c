import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { positiveInt } from "../core/options.js";
import {
  info,
  oneLine,
  printer,
  printJson,
  printLine,
  printTable,
  style,
  success,
  warn,
} from "../core/output.js";
import type { LandOptions, LandResult } from "../tasks/land/land.js";
import { shortCommit } from "../tasks/model.js";
import { jsonOption, tasks, withInterrupt } from "./common.js";

interface LandFlags {
  dryRun?: boolean;
  push?: string;
  review?: string;
  timeout?: number;
  json?: boolean;
  status?: boolean;
  since?: string;
  limit?: number;
}

export function registerLand(program: Command): void {
  jsonOption(
    program
      .command("land")
      .description("land done, verified tasks on the target branch: rebase, re-check together, fast-forward")
      .argument("[ids...]", "only these tasks (default: every done, verified task with unlanded commits)"),
  )
    .option("--dry-run", "show the queue that would land, in order; change nothing")
    .option("--push <remote>", "push the target to REMOTE after each landing (fast-forward only)")
    .option(
      "--review <remote>",
      "push each rebased, checked branch to REMOTE as land/ID instead of moving the target",
    )
    .option(
      "--timeout <seconds>",
      "stop any check still running after this long (default: tasks.gate_timeout)",
      positiveInt("--timeout", 86_400),
    )
    .option("--status", "show the queue, recent landings, and what was sent back and why; change nothing")
    .option("--since <date>", "with --status: only landings and send-backs on or after YYYY-MM-DD", isoDay)
    .option("--limit <n>", "with --status: at most N of each (default 20)", positiveInt("--limit", 10_000))
    .action(async (ids: string[], o: LandFlags) => {
      checkFlags(o);
      const tc = await tasks();
      if (o.status) return showStatus(tc, ids, o);
      const { landTasks } = await import("../tasks/land/land.js");
      const result = await withInterrupt((signal) => landTasks(tc, landOptions(ids, o, signal)));
      if (o.json) return printJson(result);
      render(result, o);
    });
}

function landOptions(ids: string[], o: LandFlags, signal: AbortSignal): LandOptions {
  return {
    ids,
    dryRun: o.dryRun,
    push: o.push,
    review: o.review,
    signal,
    report: printer,
    ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    onStep: ({ id, step, detail }) =>
      info(`${style.bold(id)} ${step}${detail ? ` ${style.dim(oneLine(detail))}` : ""}`),
    onCheck: ({ command, result }) => {
      if (!result) return info(`  ${style.dim("check")} ${oneLine(command)}`);
      info(`  ${result.exitCode === 0 ? style.ok("pass") : style.error(`fail (exit ${result.exitCode})`)}`);
    },
  };
}

async function render(result: LandResult, o: LandFlags): Promise<void> {
  if (!result.plan.length) return printLine(`Nothing to land on ${result.target}.`);
  if (o.dryRun) {
    printLine(`Would land on ${result.target}, in this order:`);
    return printTable(result.plan, [
      { header: "ID", value: (s) => s.id },
      { header: "BRANCH", value: (s) => s.branch },
      { header: "VERIFIED", value: (s) => shortCommit(s.verified) },
      { header: "COMMITS", value: (s) => s.ahead },
      { header: "TITLE", value: (s) => s.title },
    ]);
  }
  for (const o2 of result.outcomes) {
    if (o2.outcome === "landed")
      success(`${o2.id} landed on ${result.target} as ${shortCommit(o2.commit ?? "")}${pushNote(o2.pushed)}`);
    else if (o2.outcome === "pushed_for_review")
      success(`${o2.id} pushed for review (${shortCommit(o2.commit ?? "")})`);
    else if (o2.outcome === "sent_back")
      warn(`${o2.id} sent back (${o2.cause}): ${oneLine(o2.reason ?? "")}`);
    else info(`${o2.id} skipped: ${oneLine(o2.reason ?? "")}`);
  }
  printLine(`${result.landed.length} landed, ${result.sentBack.length} sent back.`);
}

function pushNote(pushed: true | string | undefined): string {
  if (pushed === undefined) return "";
  return pushed === true ? ", pushed" : `; push failed: ${oneLine(pushed)}`;
}

/** --status only reads; --since and --limit only trim what it shows. */
function checkFlags(o: LandFlags): void {
  if (o.status && (o.push || o.review || o.dryRun))
    throw new UsageError(
      "--status only shows the landing state; it does not take --push, --review or --dry-run.",
      "Run `nexus land --status` alone, then `nexus land` with the options you want.",
    );
  if (o.push && o.review)
    throw new UsageError(
      "--push moves the target's copy on a remote; --review leaves the target and pushes the branch for review. Pick one.",
      "Use --review REMOTE for a person to merge, or --push REMOTE to land and publish.",
    );
  if (!o.status && (o.since || o.limit))
    throw new UsageError(
      "--since and --limit go with --status.",
      "For example: nexus land --status --limit 5",
    );
}

function isoDay(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new UsageError(
    `--since must be a date as YYYY-MM-DD, got ${JSON.stringify(value.slice(0, 40))}.`,
    "For example: --since 2026-01-31",
  );
}

async function showStatus(tc: Awaited<ReturnType<typeof tasks>>, ids: string[], o: LandFlags): Promise<void> {
  const { landStatus } = await import("../tasks/land/status.js");
  const status = await landStatus(tc, { ids, since: o.since, limit: o.limit });
  if (o.json) return printJson(status);
  const { renderStatus } = await import("./land-status.js");
  await renderStatus(status);
}
