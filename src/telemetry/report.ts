import type { Db } from "../core/db.js";
import { improvementsFrom } from "./improvements.js";
import type { Insight } from "./insights.js";
import { insightsSince } from "./insights-sql.js";
import { type Stats, statsFrom } from "./stats.js";
import { commandFiguresSince } from "./stats-sql.js";
import { domainEventsSince, type SessionRow, sessionsByCategory } from "./store.js";

/** Whole seconds: every part of one command (stats, insights, dogfood metrics) asks for the same window. */
export function windowOf(days: number, now = new Date()): { since: string; until: string } {
  const end = Math.floor(now.getTime() / 1000) * 1000;
  return { since: new Date(end - days * 24 * 3600 * 1000).toISOString(), until: new Date(end).toISOString() };
}

export function statsFor(db: Db, days: number, now = new Date()): Stats {
  const window = windowOf(days, now);
  const sessions = db
    .prepare("SELECT * FROM sessions WHERE COALESCE(ended_at, last_seen_at) >= ?")
    .all(window.since) as SessionRow[];
  // Counted in SQLite: the window's events are never read into JS (100k rows ≈ 0.3 s with the GC).
  return statsFrom(
    commandFiguresSince(db, window.since),
    sessions,
    window,
    domainEventsSince(db, window.since),
  );
}

/**
 * Computes the insights (in SQLite, as `computeInsights` and `computeImprovements` would from the
 * window's events) and keeps them in `patterns` with first/last seen, frequency and sessions.
 */
export function insightsFor(db: Db, days: number, now = new Date()): Insight[] {
  const since = windowOf(days, now).since;
  const found = insightsSince(db, since, now);
  const insights = [
    ...found.insights,
    ...improvementsFrom(found.improvements, domainEventsSince(db, since)),
  ].sort((a, b) => b.frequency - a.frequency);
  const upsert = db.prepare(
    `INSERT INTO patterns (id, pattern_type, subject, description, suggested_fix, frequency, first_seen, last_seen,
       affected_sessions)
     VALUES (@id, @kind, @subject, @description, @suggestion, @frequency, @firstSeen, @lastSeen, @sessions)
     ON CONFLICT (id) DO UPDATE SET description = excluded.description, suggested_fix = excluded.suggested_fix,
       frequency = excluded.frequency, first_seen = MIN(first_seen, excluded.first_seen),
       last_seen = MAX(last_seen, excluded.last_seen), affected_sessions = excluded.affected_sessions`,
  );
  const errors = insights.filter((i) => i.kind === "error");
  const sessions = errors.length ? sessionsByCategory(db, since) : new Map<string, number>();
  for (const insight of errors)
    insight.affectedSessions = sessions.get(insight.subject) ?? insight.affectedSessions;
  db.transaction(() => {
    for (const insight of insights) upsert.run({ ...insight, sessions: insight.affectedSessions ?? 0 });
  })();
  return insights;
}
