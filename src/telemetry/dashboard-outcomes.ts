import type { Outcomes } from "../tasks/outcomes.js";
import { barChart, escapeHtml } from "./dashboard-charts.js";
import { CORRELATION_NOTE, duration, plural } from "./task-outcomes.js";

const pct = (rate: number) => `${Math.round(rate * 100)}%`;

/** One chart per outcome figure: first-pass rate, attempts, time to done, rejections, skills' before/after. */
export function outcomeCharts(o: Outcomes | undefined): string {
  if (!o) return "";
  const agents = o.byAgent.slice(0, 8);
  const charts = [
    barChart(
      "First-pass gate rate",
      [{ agent: "all agents", ...o.overall }, ...agents].map((a) => ({
        label: a.agent,
        value: Math.round(a.firstPassRate * 100),
        text: `${pct(a.firstPassRate)} of ${a.gated}`,
      })),
      "#0ea5e9",
    ),
    barChart(
      "Gate runs per task",
      o.attemptsHistogram.map((h) => ({
        label: `${h.attempts} attempt${h.attempts === "1" ? "" : "s"}`,
        value: h.tasks,
      })),
      "#6366f1",
    ),
    barChart(
      "Median time from claim to verified done",
      [{ agent: "all agents", ...o.overall }, ...agents]
        .filter((a) => a.done)
        .map((a) => ({
          label: a.agent,
          value: a.medianMsToDone,
          text: `${duration(a.medianMsToDone)} (${a.done})`,
        })),
      "#14b8a6",
    ),
    barChart(
      "Rejections by pattern",
      o.byPattern.slice(0, 8).map((p) => ({ label: `${p.kind}: ${p.key}`, value: p.count })),
      "#f43f5e",
    ),
    skillChart(o),
  ];
  return `<h2 id="outcomes">Task outcomes</h2><div class="charts outcomes">${charts.join("")}</div>`;
}

/** Before and after each learnt entry, side by side, with the caveat on the chart itself. */
function skillChart(o: Outcomes): string {
  const bars = o.bySkill.slice(0, 5).flatMap((e) => [
    {
      label: `${e.skill} before`,
      value: e.before.repeats,
      text: `${e.before.repeats} (${plural(e.before.tasks, "task")})`,
    },
    {
      label: `${e.skill} after`,
      value: e.after.repeats,
      text: `${e.after.repeats} (${plural(e.after.tasks, "task")})`,
    },
  ]);
  const chart = barChart("Skill learnt: repeats of its pattern before → after", bars, "#a855f7");
  return chart.replace("</figure>", `<p class="k">${escapeHtml(CORRELATION_NOTE)}.</p></figure>`);
}
