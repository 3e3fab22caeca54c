import { type DashboardData, issueName, sessionLength, windowTitle } from "./dashboard.js";
import { barChart, escapeHtml, inlineMarkdown, lineChart } from "./dashboard-charts.js";
import { outcomeCharts } from "./dashboard-outcomes.js";

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#111827;background:#f9fafb}
h1{font-size:22px}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:150px}
.k{color:#6b7280;font-size:13px}.v{font-size:26px;font-weight:600}.ok{color:#047857}.bad{color:#b91c1c}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:16px}
figure{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;margin:0}
figcaption{font-weight:600;margin-bottom:4px}.label,.value{font-size:12px;fill:#374151}
code{background:#f3f4f6;border-radius:4px;padding:1px 4px;font-size:90%}li{margin-bottom:8px}
`;

function cards(stats: DashboardData["stats"]): string {
  const met = stats.failureRateMet;
  return [
    ["Workspaces created", String(stats.workspacesCreated), ""],
    ["Tasks completed", String(stats.tasksCompleted), ""],
    ["Tasks landed", String(stats.landings.landed), ""],
    ["Sent back by nexus land", String(stats.landings.sentBack), ""],
    ["Avg session length", sessionLength(stats.averageSessionMinutes), ""],
    ["Success rate", `${Math.round(stats.successRate * 100)}%`, ""],
    ["Failure rate (target < 5%)", `${(stats.failureRate * 100).toFixed(1)}%`, met ? "ok" : "bad"],
    ["Refused (did their job)", String(stats.outcomes.refused), ""],
    ["Passed-through exits", String(stats.outcomes.passed_through), ""],
    ["Failed gates", String(stats.outcomes.gate_failed), ""],
  ]
    .map(
      ([k, v, cls]) =>
        `<div class="card"><div class="k">${escapeHtml(k!)}</div><div class="v ${cls}">${escapeHtml(v!)}</div></div>`,
    )
    .join("");
}

/** A self-contained page: inline CSS and SVG, no script, no network request. */
export function renderDashboardHtml(data: DashboardData): string {
  const { stats, insights } = data;
  const tips =
    insights
      .map(
        (i) =>
          `<li><strong>${inlineMarkdown(i.description)}</strong><br>${inlineMarkdown(i.suggestion)}</li>`,
      )
      .join("") || "<li>Nothing stands out.</li>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nexus dashboard</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
${CSS}</style></head><body>
<h1>Nexus — ${escapeHtml(windowTitle(stats))}</h1>
<div class="cards">${cards(stats)}</div>
<div class="charts">${chartsOf(stats)}</div>
${outcomeCharts(data.taskOutcomes)}
<h2>Insights</h2><ul>${tips}</ul>
</body></html>
`;
}

function trendCharts(stats: DashboardData["stats"]): string[] {
  return stats.durationTrends.map((trend) => {
    const days = trend.days.map((d) => d.day);
    return lineChart(`nexus ${trend.command}: duration per day`, days, [
      { name: "p50", color: "#2563eb", values: trend.days.map((d) => d.p50Ms) },
      { name: "p95", color: "#f59e0b", values: trend.days.map((d) => d.p95Ms), dashed: true },
    ]);
  });
}

/** `nexus land`: landed and sent back per day, and why tasks went back. */
function landingCharts(stats: DashboardData["stats"]): string[] {
  const days = stats.landings.perDay.slice(-30);
  return [
    lineChart(
      "Landings per day",
      days.map((d) => d.day),
      [
        { name: "landed", color: "#10b981", values: days.map((d) => d.landed) },
        { name: "sent back", color: "#f59e0b", values: days.map((d) => d.sentBack), dashed: true },
      ],
      "count",
    ),
    barChart(
      "Sent back by cause",
      stats.landings.sentBackByCause.map((c) => ({ label: c.cause, value: c.count })),
      "#f59e0b",
    ),
  ];
}

function chartsOf(stats: DashboardData["stats"]): string {
  const days = stats.perDay.slice(-30);
  const labels = days.map((d) => d.day);
  return [
    lineChart(
      "Commands per day",
      labels,
      [{ name: "commands", color: "#3b82f6", values: days.map((d) => d.commands) }],
      "count",
    ),
    lineChart(
      "Failures per day",
      labels,
      [{ name: "failed commands", color: "#ef4444", values: days.map((d) => d.failures) }],
      "count",
    ),
    ...trendCharts(stats),
    ...landingCharts(stats),
    barChart(
      "Most used commands",
      stats.byCommand.slice(0, 8).map((c) => ({ label: c.command, value: c.count })),
      "#10b981",
    ),
    barChart(
      "Common issues",
      stats.errors.slice(0, 6).map((e) => ({ label: issueName(e.category), value: e.count })),
      "#ef4444",
    ),
    barChart(
      "Top templates",
      stats.topTemplates
        .slice(0, 6)
        .map((t) => ({ label: t.template, value: t.percent, text: `${t.percent}% (${t.count})` })),
      "#8b5cf6",
    ),
  ].join("");
}
