import type { OutcomeFigures, Outcomes, SkillEffect } from "../tasks/outcomes.js";
import type { Insight } from "./insights.js";

/** What `before → after` means, said wherever a skill's effect is shown. */
export const CORRELATION_NOTE = "correlation, not causation: the work itself may have changed too";

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

/** "42 min", "3.5 h", "2.1 days". */
export function duration(ms: number): string {
  const minutes = ms / 60_000;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

/** "12 tasks: first pass 58% (of 12 gated), 1.8 attempts a task, 9 done, median 42 min claim → done". */
export function figuresLine(f: OutcomeFigures): string {
  const time = f.done ? `median ${duration(f.medianMsToDone)} claim → done` : "none done yet";
  return `${plural(f.tasks, "task")}: first pass ${percent(f.firstPassRate)} (of ${f.gated} gated), ${f.attemptsPerTask.toFixed(1)} attempts a task, ${f.done} done, ${time}`;
}

/** "2 tasks", "1 task". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const effectLine = (e: SkillEffect) =>
  `${e.skill} (${e.kind} \`${e.key}\`): ${plural(e.before.repeats, "repeat")} in ${plural(e.before.tasks, "task")} before → ${e.after.repeats} in ${plural(e.after.tasks, "task")} after (${duration(e.windowMs)} each side)`;

/** The outcome section of `nexus stats`. */
export function outcomeLines(o: Outcomes): string[] {
  if (!o.overall.tasks && !o.byPattern.length) return ["Task outcomes: no task claimed in this window."];
  return [
    `Task outcomes: ${figuresLine(o.overall)}`,
    ...o.byAgent.slice(0, 8).map((a) => `  agent ${a.agent}: ${figuresLine(a)}`),
    ...mostAttempts(o),
    ...(o.byPattern.length
      ? ["Rejections by pattern (failed checks by command, rejections by reason):"]
      : []),
    ...o.byPattern
      .slice(0, 8)
      .map(
        (p) =>
          `  ${p.count}× ${p.kind} \`${p.key}\` (${p.category}, ${p.tasks} task${p.tasks === 1 ? "" : "s"})`,
      ),
    ...(o.bySkill.length
      ? [`Skills, repeats of their pattern before → after learning (${CORRELATION_NOTE}):`]
      : []),
    ...o.bySkill.map((e) => `  ${effectLine(e)}`),
  ].map((line) => line.replace(/`([^`]+)`/g, "$1"));
}

/** The tasks that took the most gate runs (per-task figures are all in `--json`). */
function mostAttempts(o: Outcomes): string[] {
  const top = o.tasks
    .filter((t) => t.attempts > 1)
    .sort((a, b) => b.attempts - a.attempts || a.id.localeCompare(b.id))
    .slice(0, 5);
  if (!top.length) return [];
  const shown = top.map(
    (t) => `${t.id} ${t.attempts}${t.msToDone === undefined ? "" : ` (${duration(t.msToDone)})`}`,
  );
  return [`  most gate runs: ${shown.join(", ")}`];
}

/** Insights from the outcomes: a low first-pass rate, the most repeated pattern, skills' before/after. */
export function outcomeInsights(o: Outcomes, now: Date): Insight[] {
  const at = { firstSeen: o.since, lastSeen: now.toISOString() };
  const found: Insight[] = [];
  const { overall } = o;
  if (overall.gated >= 5 && overall.firstPassRate < 0.5)
    found.push({
      id: "outcome:first-pass",
      kind: "improvement",
      subject: "first-pass gate rate",
      description: `Only ${percent(overall.firstPassRate)} of ${overall.gated} tasks passed their gates on the first run (${overall.attemptsPerTask.toFixed(1)} attempts a task).`,
      suggestion:
        "Have agents run the project's checks before `nexus task complete`; `nexus prime` and the learnt skills say which fail most.",
      frequency: overall.gated,
      ...at,
    });
  const top = o.byPattern[0];
  if (top && top.count >= 3)
    found.push({
      id: `outcome:pattern:${top.kind}:${top.key}`,
      kind: "improvement",
      subject: top.key,
      description: `${top.kind === "check" ? `\`${top.key}\` failed` : `Rejected for \`${top.key}\``} ${top.count} times in ${top.tasks} tasks: the most repeated failure.`,
      suggestion:
        "`nexus ralph run` teaches recurring failures to the skills (`nexus skills list`); check the skill's entry says how to avoid it.",
      frequency: top.count,
      ...at,
    });
  for (const e of o.bySkill)
    found.push({
      id: `outcome:skill:${e.skill}:${e.kind}:${e.key}`,
      kind: "note",
      subject: e.skill,
      description: `Skill ${effectLine(e)}.`,
      suggestion: `A ${CORRELATION_NOTE}; ${e.after.repeats < e.before.repeats ? "keep the entry" : "the entry did not help yet: make its advice more concrete"}.`,
      frequency: e.before.repeats + e.after.repeats,
      ...at,
    });
  return found;
}
