import type { Db } from "../core/db.js";
import { formatSeconds } from "../core/output.js";
import { percentileOf } from "../telemetry/stats.js";
import { type SpeedFigures, speedFiguresSince } from "../telemetry/stats-sql.js";
import type { StatEvent } from "../telemetry/store.js";
import { SWITCH_COMMANDS } from "./daily-log.js";
import type { FrictionEntry } from "./friction-format.js";

export interface SuccessMetric {
  metric: string;
  target: string;
  value: string;
  /** undefined: telemetry has nothing to answer it with yet. */
  pass?: boolean;
}

/** Commands that run for as long as the user (or their gates) wants: not held to the 5 s bar. */
const LONG_RUNNING = [
  "workspace shell",
  "workspace exec",
  "workspace logs",
  "workspace create",
  "workspace rebuild",
  "ralph run",
  "mcp serve",
  "mcp",
  "probe",
  "task complete",
  "task verify",
  "sync now",
];

const p95 = (xs: number[]) => percentileOf(xs, 95);

/** Pure: the speed figures of command events, in JS (the SQL in telemetry/stats-sql.ts must equal it). */
export function speedFigures(events: StatEvent[]): SpeedFigures {
  const quick = events.filter((e) => !LONG_RUNNING.includes(e.command));
  // A switch's time is that of the commands whose run is the switch itself (not a shell session).
  const switches = quick.filter((e) => SWITCH_COMMANDS.includes(e.command)).map((e) => e.duration_ms);
  return {
    quick: quick.length,
    slowestMs: quick.length ? Math.max(...quick.map((e) => e.duration_ms)) : 0,
    over5s: [...new Set(quick.filter((e) => e.duration_ms >= 5000).map((e) => e.command))],
    switches: switches.length,
    switchP95Ms: p95(switches),
  };
}

/** The window's speed figures, counted by SQLite: `stats` never loads every event for them. */
export function speedFiguresOf(db: Db, since: string): SpeedFigures {
  return speedFiguresSince(db, since, { longRunning: LONG_RUNNING, switches: SWITCH_COMMANDS });
}

/**
 * Pure: the product plan's success metrics that telemetry can answer. The failure rate is not one of
 * them: telemetry/stats.ts defines it and `stats` and `dashboard` show it once, in their header.
 * `assignDelaysMs` are the seconds from a task's creation to its first claim/assignment/start.
 */
export function successMetrics(
  events: StatEvent[] | SpeedFigures,
  assignDelaysMs: number[] = [],
): SuccessMetric[] {
  const speed = Array.isArray(events) ? speedFigures(events) : events;
  const none = (metric: string, target: string): SuccessMetric => ({ metric, target, value: "no data yet" });
  return [
    speed.quick
      ? {
          metric: "all commands < 5 s",
          target: "< 5 s",
          value: speed.over5s.length
            ? `over: ${speed.over5s.join(", ")}`
            : `slowest ${formatSeconds(speed.slowestMs)}`,
          pass: speed.over5s.length === 0,
        }
      : none("all commands < 5 s", "< 5 s"),
    speed.switches
      ? {
          metric: "context switching < 10 s",
          target: "p95 < 10 s",
          value: `p95 ${formatSeconds(speed.switchP95Ms)}`,
          pass: speed.switchP95Ms < 10_000,
        }
      : none("context switching < 10 s", "p95 < 10 s"),
    assignDelaysMs.length
      ? {
          metric: "task creation to assignment < 30 s",
          target: "p95 < 30 s",
          value: `p95 ${formatSeconds(p95(assignDelaysMs))} (${assignDelaysMs.length} tasks)`,
          pass: p95(assignDelaysMs) < 30_000,
        }
      : none("task creation to assignment < 30 s", "p95 < 30 s"),
  ];
}

export interface FrictionCounts {
  total: number;
  open: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
}

export function frictionCounts(entries: FrictionEntry[], since?: string): FrictionCounts {
  const shown = entries.filter((e) => !since || e.date >= since);
  const count = (key: (e: FrictionEntry) => string) =>
    shown.reduce<Record<string, number>>((acc, e) => {
      acc[key(e)] = (acc[key(e)] ?? 0) + 1;
      return acc;
    }, {});
  return {
    total: shown.length,
    open: shown.filter((e) => !e.resolved).length,
    byType: count((e) => e.type),
    bySeverity: count((e) => e.severity),
  };
}

export interface DogfoodSummary {
  friction?: FrictionCounts;
  successMetrics: SuccessMetric[];
}

/** Lines for `stats` and `dashboard`. */
export function renderDogfood(d: DogfoodSummary): string[] {
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  return [
    ...(d.friction
      ? [
          `Friction             ${d.friction.total} (${d.friction.open} open) · by type: ${list(d.friction.byType)} · by severity: ${list(d.friction.bySeverity)}`,
        ]
      : []),
    "Success metrics",
    ...d.successMetrics.map(
      (m) => `  ${m.pass === undefined ? "·" : m.pass ? "✔" : "✘"} ${m.metric.padEnd(36)} ${m.value}`,
    ),
  ];
}
