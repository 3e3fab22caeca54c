import type { Db } from "../core/db.js";
import { computeInsights, type Insight } from "./insights.js";
import { computeStats, type Stats } from "./stats.js";
import { eventsSince, type SessionRow } from "./store.js";

export function windowOf(days: number, now = new Date()): { since: string; until: string } {
  return { since: new Date(now.getTime() - days * 24 * 3600 * 1000).toISOString(), until: now.toISOString() };
}

export function statsFor(db: Db, days: number, now = new Date()): Stats {
  const window = windowOf(days, now);
  const sessions = db
    .prepare("SELECT * FROM sessions WHERE last_seen_at >= ?")
    .all(window.since) as SessionRow[];
  return computeStats(eventsSince(db, window.since), sessions, window);
}

/** Computes the insights and keeps them in `patterns` with first/last seen and frequency. */
export function insightsFor(db: Db, days: number, now = new Date()): Insight[] {
  const insights = computeInsights(eventsSince(db, windowOf(days, now).since), now);
  const upsert = db.prepare(
    `INSERT INTO patterns (id, kind, subject, description, suggestion, frequency, first_seen, last_seen)
     VALUES (@id, @kind, @subject, @description, @suggestion, @frequency, @firstSeen, @lastSeen)
     ON CONFLICT (id) DO UPDATE SET description = excluded.description, suggestion = excluded.suggestion,
       frequency = excluded.frequency, first_seen = MIN(first_seen, excluded.first_seen),
       last_seen = MAX(last_seen, excluded.last_seen)`,
  );
  db.transaction(() => {
    for (const insight of insights) upsert.run(insight);
  })();
  return insights;
}
