import type { StatEvent as EventRow, SessionRow } from "./store.js";

export interface CommandStats {
  command: string;
  count: number;
  failures: number;
  p50Ms: number;
  p95Ms: number;
}

export interface Stats {
  since: string;
  until: string;
  commands: number;
  successRate: number;
  workspacesCreated: number;
  tasksCompleted: number;
  sessions: number;
  averageSessionMinutes: number;
  byCommand: CommandStats[];
  topTemplates: { template: string; count: number }[];
  errors: { category: string; count: number }[];
  perDay: { day: string; commands: number; failures: number }[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function countBy<T>(items: T[], key: (item: T) => string | null | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

const ranked = (counts: Map<string, number>) =>
  [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

/** Pure: rows in, figures out. Rendering lives elsewhere. */
export function computeStats(
  events: EventRow[],
  sessions: SessionRow[],
  window: { since: string; until: string },
): Stats {
  const byCommand = commandStats(events);
  const inWindow = sessions.filter((s) => s.last_seen_at >= window.since);
  const sessionMinutes = inWindow.map(
    (s) => (Date.parse(s.last_seen_at) - Date.parse(s.started_at)) / 60_000,
  );
  const succeeded = events.filter((e) => e.success).length;
  return {
    ...window,
    commands: events.length,
    successRate: events.length ? succeeded / events.length : 1,
    workspacesCreated: events.filter((e) => e.command === "workspace create" && e.success).length,
    tasksCompleted: events.filter((e) => e.command === "task complete" && e.success).length,
    sessions: inWindow.length,
    averageSessionMinutes: sessionMinutes.length
      ? sessionMinutes.reduce((a, b) => a + b, 0) / sessionMinutes.length
      : 0,
    byCommand,
    topTemplates: ranked(
      countBy(
        events.filter((e) => e.command === "workspace create"),
        (e) => e.template,
      ),
    ).map(([template, count]) => ({ template, count })),
    errors: ranked(countBy(events, (e) => e.error_category)).map(([category, count]) => ({
      category,
      count,
    })),
    perDay: perDay(events),
  };
}

function commandStats(events: EventRow[]): CommandStats[] {
  const durations = new Map<string, number[]>();
  const failures = countBy(
    events.filter((e) => !e.success),
    (e) => e.command,
  );
  for (const e of events) {
    const list = durations.get(e.command);
    if (list) list.push(e.duration_ms);
    else durations.set(e.command, [e.duration_ms]);
  }
  return [...durations]
    .map(([command, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return {
        command,
        count: sorted.length,
        failures: failures.get(command) ?? 0,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
      };
    })
    .sort((a, b) => b.count - a.count || a.command.localeCompare(b.command));
}

function perDay(events: EventRow[]): Stats["perDay"] {
  const days = new Map<string, { commands: number; failures: number }>();
  for (const e of events) {
    const day = days.get(e.ts.slice(0, 10)) ?? { commands: 0, failures: 0 };
    day.commands++;
    if (!e.success) day.failures++;
    days.set(e.ts.slice(0, 10), day);
  }
  return [...days].sort((a, b) => a[0].localeCompare(b[0])).map(([day, v]) => ({ day, ...v }));
}
