import type { Outcomes } from "../tasks/outcomes.js";
import type { Insight } from "./insights.js";
import type { Stats } from "./stats.js";
import { figuresLine } from "./task-outcomes.js";

export interface DashboardData {
  stats: Stats;
  insights: Insight[];
  /** From the project's task histories (tasks/outcomes.ts); absent outside a project. */
  taskOutcomes?: Outcomes;
}

/** Error categories as the dashboard names them ("Common issues"). */
const ISSUE_NAMES: Record<string, string> = {
  port_conflict: "Port conflicts",
  docker_unavailable: "Docker daemon not running",
  docker: "Container failures",
  git: "Git errors",
  validation: "Invalid input",
  not_found: "Not found",
  gate_failed: "Failed gates",
  timeout: "Timeouts",
  conflict: "Conflicts",
  config: "Configuration errors",
  sync: "Sync failures",
  sync_rejected: "Events rejected by the collector",
  sync_bad_request: "Batches refused by the collector",
  internal: "Internal errors",
};

export const issueName = (category: string) => ISSUE_NAMES[category] ?? category;

/** The commands that ended non-zero without Nexus failing, or undefined when there were none. */
export function notFailures(stats: Stats): string | undefined {
  const { refused, passed_through, gate_failed } = stats.outcomes;
  if (!refused && !passed_through && !gate_failed) return undefined;
  const refusals = stats.refusals.map((r) => `${r.category} ${r.count}`).join(", ");
  return `${refused} refused${refusals ? ` (${refusals})` : ""}, ${passed_through} passed through (your commands' own exits), ${gate_failed} failed gates`;
}

/** "3 landed, 2 sent back (conflict 1, checks 1)": `nexus land`'s figures in one line. */
export function landingLine(stats: Stats): string {
  const { landed, sentBack, sentBackByCause } = stats.landings;
  const causes = sentBackByCause.map((c) => `${c.cause} ${c.count}`).join(", ");
  return `${landed} landed, ${sentBack} sent back${causes ? ` (${causes})` : ""}`;
}

/** Minutes as the plan's mock-up shows them: "12.5 min", "2.3 hours". */
export function sessionLength(minutes: number): string {
  return minutes >= 60 ? `${(minutes / 60).toFixed(1)} hours` : `${minutes.toFixed(1)} min`;
}

export function windowTitle(stats: Stats): string {
  return `last ${stats.days} day${stats.days === 1 ? "" : "s"} (${stats.since.slice(0, 10)} → ${stats.until.slice(0, 10)})`;
}

/** Markdown code spans as plain text for the terminal. */
const plain = (text: string) => text.replace(/`([^`]+)`/g, "$1");

function lines(data: DashboardData): string[] {
  const { stats, insights } = data;
  const rate = `${(stats.failureRate * 100).toFixed(1)}% failed, target < 5% ${stats.failureRateMet ? "✓" : "✗"}`;
  return [
    `Workspaces Created: ${stats.workspacesCreated}`,
    `Tasks Completed: ${stats.tasksCompleted}`,
    `Landings: ${landingLine(stats)}`,
    ...(data.taskOutcomes ? [`Task Outcomes: ${figuresLine(data.taskOutcomes.overall)}`] : []),
    `Avg Session Length: ${sessionLength(stats.averageSessionMinutes)} (${stats.sessions} sessions)`,
    `Success Rate: ${Math.round(stats.successRate * 100)}% of ${stats.commands} commands (${rate})`,
    ...(notFailures(stats) ? [`Not Nexus failures: ${notFailures(stats)}`] : []),
    "",
    "Top Templates:",
    ...(stats.topTemplates.length
      ? stats.topTemplates.slice(0, 3).map((t, i) => `  ${i + 1}. ${t.template} (${t.percent}%)`)
      : ["  none yet"]),
    "",
    "Common Issues:",
    ...(stats.errors.length
      ? stats.errors
          .slice(0, 3)
          .map((e) => `  • ${issueName(e.category)} (${e.count} occurrence${e.count === 1 ? "" : "s"})`)
      : ["  none"]),
    "",
    "Insights:",
    ...(insights.length
      ? insights
          .slice(0, 5)
          .map(
            (i) =>
              `  ${i.kind === "improvement" || i.kind === "note" ? "•" : "⚠"} ${plain(i.description)} → ${plain(i.suggestion)}`,
          )
      : ["  nothing stands out"]),
  ];
}

/** Wraps a line to the width, indenting continuation lines. */
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const indent = " ".repeat(Math.min(6, text.length - text.trimStart().length + 4));
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(" ", width) > width / 2 ? rest.lastIndexOf(" ", width) : width;
    out.push(rest.slice(0, cut));
    rest = `${indent}${rest.slice(cut).trimStart()}`;
  }
  return [...out, rest];
}

/** The plan's boxed summary, fitted to the terminal width. */
export function renderDashboard(data: DashboardData, columns = 80): string {
  const width = Math.max(40, Math.min(columns, 120)) - 4;
  const title = ` Nexus Usage Dashboard — ${windowTitle(data.stats)} `;
  const body = lines(data).flatMap((l) => wrap(l, width));
  const top = `┌${title.slice(0, width + 2).padEnd(width + 2, "─")}┐`;
  return [top, ...body.map((l) => `│ ${l.padEnd(width)} │`), `└${"─".repeat(width + 2)}┘`].join("\n");
}
