import { formatSeconds } from "../core/output.js";
import { type Insight, type Seen, span } from "./insights.js";
import { landingFigures } from "./landings.js";
import { isNexusFailure } from "./outcome.js";
import { FAILURE_RATE_TARGET, median } from "./stats.js";
import type { DomainEvent, StatEvent } from "./store.js";

interface Create {
  ts: string;
  template: string;
  ms: number;
  /** Whether images were built (or pulled) during this create: recorded, or inferred from its time. */
  built?: boolean;
}

/** Workspace creates with their stage timings (from the `workspace created` events' raw data). */
function creates(domain: DomainEvent[]): Create[] {
  const out: Create[] = [];
  for (const e of domain) {
    if (e.type !== "workspace" || e.action !== "created" || !e.raw_data) continue;
    try {
      const raw = JSON.parse(e.raw_data) as { stages?: { ms?: number }[]; images?: string };
      const ms = (raw.stages ?? []).reduce((sum, s) => sum + (s.ms ?? 0), 0);
      const built = raw.images === "built" ? true : raw.images === "cached" ? false : undefined;
      if (ms > 0) out.push({ ts: e.ts, template: e.template ?? "none", ms, built });
    } catch {
      // A row another version wrote differently is skipped.
    }
  }
  return out;
}

/**
 * Creates of one template split into those that built or pulled images and those that found them
 * cached: recorded when known; otherwise a create over 3× the template's fastest runs (and 5 s
 * more) is counted as one that built.
 */
function cachedImageInsight(template: string, rows: Create[]): Insight | undefined {
  if (rows.length < 3) return undefined;
  const fastest = median(
    rows
      .map((r) => r.ms)
      .sort((a, b) => a - b)
      .slice(0, Math.max(1, Math.floor(rows.length / 2))),
  );
  const builds = (r: Create) => r.built ?? (r.ms > 3 * fastest && r.ms - fastest > 5000);
  const built = rows.filter(builds);
  const cached = rows.filter((r) => !builds(r));
  if (!built.length || cached.length < 2) return undefined;
  const [slow, fast] = [median(built.map((r) => r.ms)), median(cached.map((r) => r.ms))];
  const factor = slow / Math.max(1, fast);
  if (factor < 2) return undefined;
  return {
    id: `improve:cached-image:${template}`,
    kind: "improvement",
    subject: `workspace create (${template})`,
    description: `\`nexus workspace create\` (${template}) is ${factor.toFixed(1)}× faster with a cached image: ${formatSeconds(fast)} (median of ${cached.length}) against ${formatSeconds(slow)} when it built or pulled images (${built.length} of ${rows.length} creates).`,
    suggestion:
      "Keep images cached: a changed build context rebuilds the image, so add a `.dockerignore` and keep generated files out of the context; build ahead with `docker compose build` after changing a Dockerfile, and pin base image tags so pulls happen once.",
    frequency: built.length,
    ...span(built),
  };
}

function portInsight(events: StatEvent[]): Insight | undefined {
  const conflicts = events.filter((e) => e.error_category === "port_conflict");
  return portRangeInsight(conflicts.length, [...new Set(conflicts.map((c) => c.command))], () =>
    span(conflicts),
  );
}

/** Two or more commands failed on a port conflict (`commands`: each once, in the order first seen). */
export function portRangeInsight(count: number, commands: string[], seen: () => Seen): Insight | undefined {
  if (count < 2) return undefined;
  return {
    id: "improve:port-range",
    kind: "improvement",
    subject: "port conflicts",
    description: `${count} commands failed on a port conflict in Nexus's port range (in ${commands.join(", ")}).`,
    suggestion:
      "Another program holds ports in the range: find it with `ss -ltnp`, or move the range, e.g. `ports: { start: 45000, end: 45999 }` in .nexus/config.yaml (then `nexus workspace up` re-leases).",
    frequency: count,
    ...seen(),
  };
}

function failureRateInsight(events: StatEvent[]): Insight | undefined {
  const failed = events.filter(isNexusFailure);
  const causes = new Map<string, number>();
  for (const e of failed)
    causes.set(e.error_category ?? "unknown", (causes.get(e.error_category ?? "unknown") ?? 0) + 1);
  return failureInsight({ failed: failed.length, commands: events.length, causes }, () => span(failed));
}

/** Nexus's own failures over the plan's target (of 20 commands or more); `causes` in the order first seen. */
export function failureInsight(
  figures: { failed: number; commands: number; causes: Map<string, number> },
  seen: () => Seen,
): Insight | undefined {
  const { failed, commands, causes } = figures;
  if (commands < 20 || failed / commands < FAILURE_RATE_TARGET) return undefined;
  const [top, count] = [...causes].sort((a, b) => b[1] - a[1])[0]!;
  return {
    id: "improve:failure-rate",
    kind: "improvement",
    subject: "failure rate",
    description: `${((failed / commands) * 100).toFixed(1)}% of commands failed (${failed} of ${commands}), over the plan's 5% target; the most common cause is \`${top}\` (${count}).`,
    suggestion: `Fix \`${top}\` first: \`nexus insights --errors\` gives its fix, and \`nexus doctor\` checks the setup.`,
    frequency: failed,
    ...seen(),
  };
}

/** What to change when `nexus land` keeps sending tasks back for one cause. */
const LANDING_FIXES: Record<string, string> = {
  conflict:
    "Land more often (`nexus land` as tasks are done) so each task starts from a recent target, and split work so parallel tasks touch different files.",
  checks:
    "Tasks pass alone and fail together: land more often so each starts from what landed, and give tasks the checks that cover what they share.",
  unverified: "Commit the work before `task complete`: gates that passed on uncommitted changes cannot land.",
  "own-files":
    "Keep `.nexus/tasks.jsonl` and `.nexus/allowed_signers` out of task branches: tell agents not to commit them.",
};

/** A quarter or more of landings (at least 3) sent back: the most common cause, and what to change. */
function landingInsight(domain: DomainEvent[]): Insight | undefined {
  const { landed, sentBack, sentBackByCause } = landingFigures(domain);
  if (sentBack < 3 || sentBack / (landed + sentBack) < 0.25) return undefined;
  const top = sentBackByCause[0]!;
  const backs = domain.filter((e) => e.type === "task" && e.action === "sent_back");
  return {
    id: "improve:landing",
    kind: "improvement",
    subject: "nexus land",
    description: `\`nexus land\` sent back ${sentBack} of ${landed + sentBack} tasks; the most common cause is \`${top.cause}\` (${top.count}).`,
    suggestion: LANDING_FIXES[top.cause] ?? "See each task's rejection note (`nexus land --status`).",
    frequency: sentBack,
    ...span(backs),
  };
}

/** Pure: improvements suggested from what was seen, each with a concrete change to make. */
export function computeImprovements(data: { events: StatEvent[]; domain: DomainEvent[] }): Insight[] {
  return improvementsFrom([portInsight(data.events), failureRateInsight(data.events)], data.domain);
}

/** The improvements from the domain events, with those from the command events (JS or SQL) in their place. */
export function improvementsFrom(
  [port, failureRate]: (Insight | undefined)[],
  domain: DomainEvent[],
): Insight[] {
  const byTemplate = new Map<string, Create[]>();
  for (const c of creates(domain)) {
    const list = byTemplate.get(c.template);
    if (list) list.push(c);
    else byTemplate.set(c.template, [c]);
  }
  const found = [...byTemplate].map(([template, rows]) => cachedImageInsight(template, rows));
  found.push(port, failureRate, landingInsight(domain));
  return found.filter((i): i is Insight => i !== undefined);
}
