import type { DashboardData } from "./dashboard.js";

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#111827;background:#f9fafb}
h1{font-size:22px}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:150px}
.k{color:#6b7280;font-size:13px}.v{font-size:26px;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:16px}
figure{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;margin:0}
figcaption{font-weight:600;margin-bottom:4px}.label,.value{font-size:12px;fill:#374151}
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function barChart(title: string, items: { label: string; value: number }[], color: string): string {
  const width = 560;
  const barHeight = 22;
  const max = Math.max(1, ...items.map((i) => i.value));
  const bars = items
    .map((item, i) => {
      const w = Math.max(2, Math.round((item.value / max) * (width - 220)));
      const y = 30 + i * (barHeight + 8);
      return `<text x="0" y="${y + 16}" class="label">${escapeHtml(item.label)}</text><rect class="bar" x="200" y="${y}" width="${w}" height="${barHeight}" fill="${color}"/><text x="${206 + w}" y="${y + 16}" class="value">${item.value}</text>`;
    })
    .join("");
  const height = 40 + Math.max(1, items.length) * (barHeight + 8);
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${bars || '<text x="0" y="40" class="label">no data yet</text>'}</svg></figure>`;
}

/** A self-contained page: inline CSS and SVG, no script, no network request. */
export function renderDashboardHtml(data: DashboardData): string {
  const { stats, insights } = data;
  const cards = [
    ["Workspaces created", String(stats.workspacesCreated)],
    ["Tasks completed", String(stats.tasksCompleted)],
    ["Success rate", `${Math.round(stats.successRate * 100)}%`],
    ["Avg session", `${stats.averageSessionMinutes.toFixed(1)} min`],
  ]
    .map(
      ([k, v]) =>
        `<div class="card"><div class="k">${escapeHtml(k!)}</div><div class="v">${escapeHtml(v!)}</div></div>`,
    )
    .join("");
  const charts = chartsOf(stats);
  const tips =
    insights
      .map((i) => `<li><strong>${escapeHtml(i.description)}</strong><br>${escapeHtml(i.suggestion)}</li>`)
      .join("") || "<li>Nothing stands out.</li>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nexus dashboard</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
${CSS}</style></head><body>
<h1>Nexus — last 30 days <small>(${escapeHtml(stats.since.slice(0, 10))} → ${escapeHtml(stats.until.slice(0, 10))})</small></h1>
<div class="cards">${cards}</div>
<div class="charts">${charts}</div>
<h2>Insights</h2><ul>${tips}</ul>
</body></html>
`;
}

function chartsOf(stats: DashboardData["stats"]): string {
  return [
    barChart(
      "Commands per day",
      stats.perDay.slice(-14).map((d) => ({ label: d.day, value: d.commands })),
      "#3b82f6",
    ),
    barChart(
      "Most used commands",
      stats.byCommand.slice(0, 8).map((c) => ({ label: c.command, value: c.count })),
      "#10b981",
    ),
    barChart(
      "Common issues",
      stats.errors.slice(0, 6).map((e) => ({ label: e.category, value: e.count })),
      "#ef4444",
    ),
    barChart(
      "Top templates",
      stats.topTemplates.slice(0, 6).map((t) => ({ label: t.template, value: t.count })),
      "#8b5cf6",
    ),
  ].join("");
}
