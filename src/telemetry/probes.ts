import type { Db } from "../core/db.js";
import type { Insight } from "./insights.js";
import { noteTelemetry } from "./recorder.js";
import { windowOf } from "./report.js";

/** One probe's outcome as telemetry keeps it (in the `nexus probe` event's raw_data). */
export interface ProbeResult {
  probe: string;
  passed: boolean;
  failed: { name: string; detail: string }[];
}

/** Adds probe results to the current command's event (recorded by the CLI's one wrapper). */
export function noteProbeResults(results: ProbeResult[]): void {
  noteTelemetry({ raw: { probes: results } });
}

/** The latest result of every probe run since `since`, read back from the `probe` events. */
function latestProbeResults(db: Db, since: string): (ProbeResult & { ts: string })[] {
  const rows = db
    .prepare(
      "SELECT timestamp AS ts, raw_data FROM events WHERE command LIKE 'probe%' AND timestamp >= ? AND raw_data LIKE '%\"probes\"%' ORDER BY id",
    )
    .all(since) as { ts: string; raw_data: string }[];
  const latest = new Map<string, ProbeResult & { ts: string }>();
  for (const row of rows) {
    try {
      const probes = (JSON.parse(row.raw_data) as { probes?: ProbeResult[] }).probes ?? [];
      for (const p of probes) latest.set(p.probe, { ...p, ts: row.ts });
    } catch {
      // A row another version wrote differently is skipped.
    }
  }
  return [...latest.values()];
}

/** Probes whose latest run failed, as insights (`nexus insights` lists them). */
export function failedProbeInsights(db: Db, days: number, now = new Date()): Insight[] {
  return latestProbeResults(db, windowOf(days, now).since)
    .filter((p) => !p.passed)
    .map((p) => ({
      id: `probe:${p.probe}`,
      kind: "error" as const,
      subject: `probe ${p.probe}`,
      description: `\`nexus probe ${p.probe}\` failed on ${p.ts.slice(0, 10)}: ${p.failed
        .map((f) => `${f.name} (${f.detail})`)
        .join("; ")}.`,
      suggestion: `Fix what the failed criteria name, then re-run \`nexus probe ${p.probe}\` (see docs/dogfooding.md); a friction entry (\`nexus friction add\`) keeps it on the team's list.`,
      frequency: 1,
      firstSeen: p.ts,
      lastSeen: p.ts,
    }));
}

/** One command as the daily log counts it (names stay hashed). */
export interface ActivityRow {
  ts: string;
  command: string;
  duration_ms: number;
  success: number;
  workspace_hash: string | null;
}

/** Commands recorded in [from, to), oldest first. */
export function activityBetween(db: Db, from: string, to: string): ActivityRow[] {
  return db
    .prepare(
      "SELECT timestamp AS ts, command, duration_ms, success, workspace_hash FROM events WHERE timestamp >= ? AND timestamp < ? AND event_type = 'command' ORDER BY id",
    )
    .all(from, to) as ActivityRow[];
}
