import { type Landings, landingFigures } from "./landings.js";
import { isNexusFailure, OUTCOMES, type Outcome, outcomeOfEvent } from "./outcome.js";
import type { DomainEvent, StatEvent as EventRow, SessionRow } from "./store.js";

export interface CommandStats {
  command: string;
  count: number;
  /** Nexus's own failures: refusals, failed gates and passed-through exits are counted apart. */
  failures: number;
  refused: number;
  passedThrough: number;
  gateFailed: number;
  p50Ms: number;
  p95Ms: number;
}

/** The product plan's success metric: under 5 % of operations fail. */
export const FAILURE_RATE_TARGET = 0.05;

export interface Stats {
  since: string;
  until: string;
  days: number;
  commands: number;
  successRate: number;
  /** Nexus's own failures / commands: the plan's "< 5 % operation failure rate". */
  failureRate: number;
  /** Commands by outcome (see outcome.ts); only `failed` counts in the failure rate. */
  outcomes: Record<Outcome, number>;
  failureRateTarget: number;
  failureRateMet: boolean;
  workspacesCreated: number;
  tasksCompleted: number;
  /** `nexus land`: tasks landed and sent back (by cause), per day. */
  landings: Landings;
  sessions: number;
  averageSessionMinutes: number;
  byCommand: CommandStats[];
  topTemplates: { template: string; count: number; percent: number }[];
  /** Categories of Nexus's own failures. */
  errors: { category: string; count: number }[];
  /** Categories of refusals that did their job (a lost claim, bad input, a missing name). */
  refusals: { category: string; count: number }[];
  perDay: { day: string; commands: number; failures: number }[];
  /** The slowest commands' p50/p95 per day: a regression shows as a step. */
  durationTrends: { command: string; days: { day: string; count: number; p50Ms: number; p95Ms: number }[] }[];
}

/**
 * The p-th percentile of sorted values, never interpolated: the value at (n − 1)·p/100 rounded away
 * from the middle, so the median is the lower of two middles and a tail (p95) is never understated.
 * SQLite's `percentile_disc` gives the same (stats-sql.ts counts the same figures there).
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = ((sorted.length - 1) * p) / 100;
  return sorted[p > 50 ? Math.ceil(rank) : Math.floor(rank)]!;
}

/** The p-th percentile of values in any order. */
export function percentileOf(values: number[], p: number): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    p,
  );
}

export const median = (values: number[]) => percentileOf(values, 50);

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

/** Actions after which a completed task no longer counts as completed (see domain.ts). */
export const UNDOES_COMPLETION = ["reopened", "rejected", "sent_back", "started", "blocked"];

/**
 * Tasks whose latest completion-relevant event in the window is a completion: a task completed and
 * later rejected, sent back by `nexus land` or reopened does not count; one completed twice counts once.
 */
export function completedTasks(domain: DomainEvent[]): number {
  const state = new Map<string, boolean>();
  for (const e of domain) {
    if (e.type !== "task" || !e.subject) continue;
    if (e.action === "completed") state.set(e.subject, true);
    else if (UNDOES_COMPLETION.includes(e.action ?? "")) state.set(e.subject, false);
  }
  return [...state.values()].filter(Boolean).length;
}

/** What the command events of a window add up to: counted in JS (`commandFigures`) or in SQLite (stats-sql.ts). */
export interface CommandFigures {
  commands: number;
  outcomes: Record<Outcome, number>;
  byCommand: CommandStats[];
  /** Error categories of Nexus's own failures, and of refusals. */
  failureCategories: Map<string, number>;
  refusalCategories: Map<string, number>;
  perDay: Stats["perDay"];
  durationTrends: Stats["durationTrends"];
}

/** Pure: rows in, figures out. Rendering lives elsewhere. */
export function computeStats(
  events: EventRow[],
  sessions: SessionRow[],
  window: { since: string; until: string },
  domain: DomainEvent[] = [],
): Stats {
  return statsFrom(commandFigures(events), sessions, window, domain);
}

/** Pure: the command events' figures in JS (the reference the SQL aggregation must equal). */
export function commandFigures(events: EventRow[]): CommandFigures {
  const byCommand = commandStats(events);
  return {
    commands: events.length,
    outcomes: countOutcomes(events),
    byCommand,
    failureCategories: countBy(events.filter(isNexusFailure), (e) => e.error_category),
    refusalCategories: countBy(
      events.filter((e) => outcomeOfEvent(e) === "refused"),
      (e) => e.error_category,
    ),
    perDay: perDay(events),
    durationTrends: durationTrends(events, byCommand),
  };
}

/** Pure: command figures, sessions and domain events in, the stats out. */
export function statsFrom(
  figures: CommandFigures,
  sessions: SessionRow[],
  window: { since: string; until: string },
  domain: DomainEvent[] = [],
): Stats {
  const { outcomes, commands, byCommand } = figures;
  const failureRate = commands ? outcomes.failed / commands : 0;
  const created = domain.filter((e) => e.type === "workspace" && e.action === "created");
  const errors = new Map(figures.failureCategories);
  for (const [category, count] of countBy(
    domain.filter((e) => e.type === "error"),
    (e) => e.error_category,
  ))
    errors.set(category, (errors.get(category) ?? 0) + count);
  return {
    ...window,
    days: Math.round((Date.parse(window.until) - Date.parse(window.since)) / 86_400_000),
    commands,
    successRate: 1 - failureRate,
    failureRate,
    outcomes,
    failureRateTarget: FAILURE_RATE_TARGET,
    failureRateMet: failureRate < FAILURE_RATE_TARGET,
    workspacesCreated: created.length,
    tasksCompleted: completedTasks(domain),
    landings: landingFigures(domain),
    ...sessionFigures(sessions, window.since),
    byCommand,
    topTemplates: templateShares(created),
    errors: ranked(errors).map(([category, count]) => ({ category, count })),
    refusals: ranked(figures.refusalCategories).map(([category, count]) => ({ category, count })),
    perDay: figures.perDay,
    durationTrends: figures.durationTrends,
  };
}

function countOutcomes(events: EventRow[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const e of events) counts[outcomeOfEvent(e)]++;
  return counts;
}

/** Average session length from each session's start and end (an idle gap ends a session). */
function sessionFigures(
  sessions: SessionRow[],
  since: string,
): { sessions: number; averageSessionMinutes: number } {
  const inWindow = sessions.filter((s) => (s.ended_at ?? s.last_seen_at) >= since);
  const minutes = inWindow.map(
    (s) => Math.max(0, Date.parse(s.ended_at ?? s.last_seen_at) - Date.parse(s.started_at)) / 60_000,
  );
  return {
    sessions: inWindow.length,
    averageSessionMinutes: minutes.length ? minutes.reduce((a, b) => a + b, 0) / minutes.length : 0,
  };
}

function templateShares(created: DomainEvent[]): Stats["topTemplates"] {
  const counts = ranked(countBy(created, (e) => e.template ?? "none"));
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  return counts.map(([template, count]) => ({ template, count, percent: Math.round((count / total) * 100) }));
}

/** Most runs first, then by name. */
export const busiestFirst = (a: CommandStats, b: CommandStats) =>
  b.count - a.count || a.command.localeCompare(b.command);

function commandStats(events: EventRow[]): CommandStats[] {
  const durations = new Map<string, number[]>();
  const ended = (outcome: Outcome) =>
    countBy(
      events.filter((e) => outcomeOfEvent(e) === outcome),
      (e) => e.command,
    );
  const [failures, refused, passedThrough, gateFailed] = [
    ended("failed"),
    ended("refused"),
    ended("passed_through"),
    ended("gate_failed"),
  ];
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
        refused: refused.get(command) ?? 0,
        passedThrough: passedThrough.get(command) ?? 0,
        gateFailed: gateFailed.get(command) ?? 0,
        p50Ms: percentile(sorted, 50),
        p95Ms: percentile(sorted, 95),
      };
    })
    .sort(busiestFirst);
}

function perDay(events: EventRow[]): Stats["perDay"] {
  const days = new Map<string, { commands: number; failures: number }>();
  for (const e of events) {
    const day = days.get(e.ts.slice(0, 10)) ?? { commands: 0, failures: 0 };
    day.commands++;
    if (isNexusFailure(e)) day.failures++;
    days.set(e.ts.slice(0, 10), day);
  }
  return [...days].sort((a, b) => a[0].localeCompare(b[0])).map(([day, v]) => ({ day, ...v }));
}

/** Commands that last as long as the user wants: their duration says nothing about speed. */
const INTERACTIVE = new Set([
  "workspace shell",
  "workspace exec",
  "workspace logs",
  "mcp serve",
  "mcp",
  "ralph run",
]);

/** The three commands with the highest p95 (run at least 3 times): their trends are shown. */
export function slowestCommands(byCommand: CommandStats[]): string[] {
  return byCommand
    .filter((c) => c.count >= 3 && !INTERACTIVE.has(c.command))
    .sort((a, b) => b.p95Ms - a.p95Ms)
    .slice(0, 3)
    .map((c) => c.command);
}

/** p50/p95 per day of the slowest commands. */
function durationTrends(events: EventRow[], byCommand: CommandStats[]): Stats["durationTrends"] {
  return slowestCommands(byCommand).map((command) => {
    const days = new Map<string, number[]>();
    for (const e of events) {
      if (e.command !== command) continue;
      const list = days.get(e.ts.slice(0, 10));
      if (list) list.push(e.duration_ms);
      else days.set(e.ts.slice(0, 10), [e.duration_ms]);
    }
    return {
      command,
      days: [...days]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([day, values]) => {
          const sorted = values.sort((a, b) => a - b);
          return { day, count: sorted.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) };
        }),
    };
  });
}
