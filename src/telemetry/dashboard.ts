import type { Insight } from "./insights.js";
import type { Stats } from "./stats.js";

export interface DashboardData {
  stats: Stats;
  insights: Insight[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function lines(data: DashboardData): string[] {
  const { stats, insights } = data;
  const top = (items: { count: number }[], label: (i: never) => string) =>
    items
      .slice(0, 3)
      .map((i) => `${label(i as never)} (${i.count})`)
      .join(", ") || "none yet";
  return [
    `Workspaces created   ${stats.workspacesCreated}`,
    `Tasks completed      ${stats.tasksCompleted}`,
    `Commands             ${stats.commands} (${pct(stats.successRate)} succeeded)`,
    `Sessions             ${stats.sessions}, average ${stats.averageSessionMinutes.toFixed(1)} min`,
    `Top templates        ${top(stats.topTemplates, (t: { template: string }) => t.template)}`,
    `Common issues        ${top(stats.errors, (e: { category: string }) => e.category)}`,
    "",
    "Insights",
    ...(insights.length
      ? insights.slice(0, 5).map((i) => `• ${i.description} → ${i.suggestion}`)
      : ["• nothing stands out"]),
  ];
}

/** Wraps a line to the width, indenting continuation lines. */
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(" ", width) > width / 2 ? rest.lastIndexOf(" ", width) : width;
    out.push(rest.slice(0, cut));
    rest = `  ${rest.slice(cut).trimStart()}`;
  }
  return [...out, rest];
}

/** The boxed summary of the last 30 days, fitted to the terminal width. */
export function renderDashboard(data: DashboardData, columns = 80): string {
  const width = Math.max(40, Math.min(columns, 120)) - 4;
  const title = ` Nexus — last 30 days (${data.stats.since.slice(0, 10)} → ${data.stats.until.slice(0, 10)}) `;
  const body = lines(data).flatMap((l) => wrap(l, width));
  const top = `┌${title.slice(0, width + 2).padEnd(width + 2, "─")}┐`;
  return [top, ...body.map((l) => `│ ${l.padEnd(width)} │`), `└${"─".repeat(width + 2)}┘`].join("\n");
}
