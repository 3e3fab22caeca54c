import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrate } from "../core/db.js";
import { renderDashboard } from "./dashboard.js";
import { renderDashboardHtml } from "./dashboard-html.js";
import { exportCsv, exportJson, exportSql } from "./export.js";
import { computeImprovements } from "./improvements.js";
import { computeInsights } from "./insights.js";
import { parseOtlpHeaders, toOtlpLogs } from "./otlp.js";
import { completedTasks, computeStats, percentile } from "./stats.js";
import type { DomainEvent, EventRow, SessionRow, StatEvent } from "./store.js";
import { networkCause, retryAfterMs } from "./upload.js";

function event(fields: Partial<StatEvent>): StatEvent {
  return {
    ts: "2026-11-20T10:00:00.000Z",
    session_id: "s1",
    command: "workspace list",
    duration_ms: 100,
    success: 1,
    error_category: null,
    template: null,
    ...fields,
  };
}

let id = 0;
function domain(fields: Partial<DomainEvent>): DomainEvent {
  return {
    id: ++id,
    ts: "2026-11-20T10:00:00.000Z",
    type: "task",
    action: "completed",
    subject: "h1",
    template: null,
    duration_ms: 0,
    error_category: null,
    raw_data: null,
    ...fields,
  };
}

function row(fields: Partial<EventRow>): EventRow {
  return {
    id: ++id,
    timestamp: "2026-11-20T10:00:00.000Z",
    session_id: "s1",
    event_type: "command",
    action: null,
    command: "workspace list",
    duration_ms: 100,
    success: 1,
    exit_code: 0,
    error_category: null,
    workspace_hash: null,
    task_hash: null,
    template_used: null,
    services_count: null,
    ports_used: null,
    nexus_version: "0.1.0",
    raw_data: null,
    ...fields,
  };
}

const session = (started: string, ended: string): SessionRow => ({
  session_id: started,
  source: "local",
  started_at: started,
  last_seen_at: ended,
  ended_at: ended,
  duration_ms: Date.parse(ended) - Date.parse(started),
  commands_executed: 5,
  workspaces_created: 0,
  tasks_completed: 0,
  errors_encountered: 0,
  user_feedback: null,
});

const window = { since: "2026-11-01T00:00:00.000Z", until: "2026-11-30T00:00:00.000Z" };

describe("stats (pure)", () => {
  it("counts commands, failure rate, percentiles, days and sessions from known rows", () => {
    const events = [
      event({ command: "workspace create", duration_ms: 2000 }),
      event({ command: "workspace create", duration_ms: 4000, ts: "2026-11-21T10:00:00.000Z" }),
      event({ command: "workspace create", success: 0, error_category: "docker_unavailable" }),
      event({ command: "task complete", duration_ms: 500 }),
      event({ command: "task complete", success: 0, error_category: "gate_failed" }),
    ];
    const sessions = [
      session("2026-11-20T10:00:00.000Z", "2026-11-20T10:30:00.000Z"),
      session("2026-11-21T10:00:00.000Z", "2026-11-21T10:10:00.000Z"),
    ];
    const stats = computeStats(events, sessions, window);
    expect(stats).toMatchObject({
      commands: 5,
      successRate: 0.6,
      failureRate: 0.4,
      failureRateMet: false,
      sessions: 2,
      averageSessionMinutes: 20,
    });
    expect(stats.byCommand[0]).toEqual({
      command: "workspace create",
      count: 3,
      failures: 1,
      refused: 0,
      passedThrough: 0,
      gateFailed: 0,
      p50Ms: 2000,
      p95Ms: 4000,
    });
    expect(stats.errors.map((e) => e.category)).toEqual(["docker_unavailable", "gate_failed"]);
    expect(stats.perDay).toEqual([
      { day: "2026-11-20", commands: 4, failures: 2 },
      { day: "2026-11-21", commands: 1, failures: 0 },
    ]);
    expect(stats.durationTrends[0]).toMatchObject({ command: "workspace create" });
    expect(stats.durationTrends[0]!.days).toEqual([
      { day: "2026-11-20", count: 2, p50Ms: 100, p95Ms: 2000 },
      { day: "2026-11-21", count: 1, p50Ms: 4000, p95Ms: 4000 },
    ]);
    expect(computeStats([], [], window).successRate).toBe(1);
    expect([percentile([], 50), percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95)]).toEqual([
      0, 2, 4,
    ]);
  });

  it("counts domain events: workspaces created with template shares, completions undone by a rejection", () => {
    const created = [
      domain({ type: "workspace", action: "created", subject: "w1", template: "node-postgres" }),
      domain({ type: "workspace", action: "created", subject: "w2", template: "node-postgres" }),
      domain({ type: "workspace", action: "created", subject: "w3", template: "go-postgres" }),
      domain({ type: "workspace", action: "destroyed", subject: "w3" }),
    ];
    const tasks = [
      domain({ subject: "t1" }),
      domain({ subject: "t2" }),
      domain({ subject: "t2", action: "rejected" }),
      domain({ subject: "t3" }),
      domain({ subject: "t3" }),
      domain({ subject: "t4", action: "created" }),
    ];
    const stats = computeStats([], [], window, [...created, ...tasks]);
    expect(stats).toMatchObject({ workspacesCreated: 3, tasksCompleted: 2 });
    expect(stats.topTemplates).toEqual([
      { template: "node-postgres", count: 2, percent: 67 },
      { template: "go-postgres", count: 1, percent: 33 },
    ]);
    expect(completedTasks([...tasks, domain({ subject: "t2" })])).toBe(3);
  });
});

describe("insights (pure)", () => {
  it("flags slow commands, recurring errors and rising durations, each with a fix", () => {
    const now = new Date("2026-11-25T00:00:00Z");
    const slow = Array.from({ length: 3 }, () => event({ command: "task list", duration_ms: 900 }));
    const errors = Array.from({ length: 3 }, (_, i) =>
      event({
        command: "workspace up",
        success: 0,
        error_category: "port_conflict",
        session_id: `s${i % 2}`,
      }),
    );
    const before = Array.from({ length: 5 }, () =>
      event({ command: "doctor", duration_ms: 100, ts: "2026-11-12T00:00:00.000Z" }),
    );
    const after = Array.from({ length: 5 }, () =>
      event({ command: "doctor", duration_ms: 400, ts: "2026-11-22T00:00:00.000Z" }),
    );
    const insights = computeInsights([...slow, ...errors, ...before, ...after], now);
    const byId = Object.fromEntries(insights.map((i) => [i.id, i]));
    expect(byId["slow:task list"]?.description).toContain("900 ms");
    expect(byId["error:port_conflict"]).toMatchObject({ affectedSessions: 2 });
    expect(byId["rising:doctor"]?.description).toContain("100 ms → 400 ms");
    expect(insights.every((i) => i.suggestion.length > 10)).toBe(true);
    expect(computeInsights(errors.slice(0, 2), now)).toEqual([]);
  });

  it("suggests improvements from what was seen: cached images, the port range, the failure rate", () => {
    const stages = (ms: number) =>
      JSON.stringify({
        stages: [
          { stage: "worktree", ms: 200 },
          { stage: "compose_up", ms },
        ],
      });
    const creates = [3000, 3400, 3200, 41000].map((ms, i) =>
      domain({
        type: "workspace",
        action: "created",
        subject: `w${i}`,
        template: "node-postgres",
        raw_data: stages(ms),
      }),
    );
    const events = [
      ...Array.from({ length: 18 }, () => event({})),
      ...Array.from({ length: 2 }, () =>
        event({ command: "workspace up", success: 0, error_category: "port_conflict" }),
      ),
    ];
    const found = Object.fromEntries(computeImprovements({ events, domain: creates }).map((i) => [i.id, i]));
    expect(found["improve:cached-image:node-postgres"]?.description).toMatch(
      /is 1\d\.\d× faster with a cached image: 3\.\d s/,
    );
    expect(found["improve:port-range"]?.suggestion).toContain("ports: { start:");
    expect(found["improve:failure-rate"]?.description).toContain("10.0% of commands failed");
    expect(computeImprovements({ events: [], domain: creates.slice(0, 3) })).toEqual([]);
  });
});

describe("exports, OTLP and dashboards", () => {
  it("exports CSV with quoting, JSON, and a SQL dump that loads with the same counts", () => {
    const db = new Database(":memory:");
    migrate(db, [
      "CREATE TABLE events (id INTEGER PRIMARY KEY, ts TEXT, command TEXT, raw_data TEXT); CREATE TABLE sessions (id TEXT PRIMARY KEY); CREATE TABLE patterns (id TEXT PRIMARY KEY, description TEXT);",
    ]);
    db.prepare("INSERT INTO events VALUES (1, 't', 'a,b', ?)").run('{"q":"x"}');
    db.prepare("INSERT INTO patterns VALUES ('p', 'it''s')").run();
    expect(exportCsv(db)).toBe('id,ts,command,raw_data\r\n1,t,"a,b","{""q"":""x""}"\r\n');
    expect(JSON.parse(exportJson(db)).events).toHaveLength(1);
    const copy = new Database(":memory:");
    copy.exec(exportSql(db));
    expect(copy.prepare("SELECT description FROM patterns").pluck().get()).toBe("it's");
  });

  it("encodes OTLP/HTTP JSON logs: doubles always doubles, semantic-convention names, stages", () => {
    const raw = JSON.stringify({
      stages: [
        { stage: "compose_up", ms: 3000 },
        { stage: "bad name!", ms: 1 },
      ],
    });
    const body = toOtlpLogs(
      [
        row({
          services_count: 2,
          success: 0,
          exit_code: 1,
          error_category: "docker",
          duration_ms: 12,
          raw_data: raw,
        }),
      ],
      "0.1.0",
      "inst-1",
    ) as {
      resourceLogs: {
        resource: { attributes: unknown[] };
        scopeLogs: { logRecords: Record<string, unknown>[] }[];
      }[];
    };
    const record = body.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record.timeUnixNano).toBe("1795168800000000000");
    expect(record.severityNumber).toBe(17);
    expect(record.attributes).toEqual(
      expect.arrayContaining([
        { key: "nexus.services_count", value: { intValue: "2" } },
        { key: "nexus.duration_ms", value: { doubleValue: 12 } },
        { key: "nexus.success", value: { boolValue: false } },
        { key: "error.type", value: { stringValue: "docker" } },
        { key: "process.exit.code", value: { intValue: "1" } },
        { key: "nexus.workspace.stage.compose_up.duration_ms", value: { doubleValue: 3000 } },
      ]),
    );
    expect(JSON.stringify(record)).not.toContain("bad name");
    expect(body.resourceLogs[0]!.resource.attributes).toContainEqual({
      key: "service.instance.id",
      value: { stringValue: "inst-1" },
    });
    expect(parseOtlpHeaders("api-key=a%20b, x=1")).toEqual({ "api-key": "a b", x: "1" });
  });

  it("reads Retry-After and names network causes", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    expect(networkCause(refused, 5000)).toBe("connection refused");
    expect(networkCause(Object.assign(new Error("x"), { name: "TimeoutError" }), 5000)).toBe(
      "no answer within 5 s",
    );
  });

  it("renders the plan's dashboard box within the width, and a self-contained HTML page", () => {
    const created = domain({ type: "workspace", action: "created", subject: "w", template: "node-postgres" });
    const stats = computeStats([event({ command: "workspace create", duration_ms: 209 })], [], window, [
      created,
    ]);
    const insights = computeInsights(
      Array.from({ length: 3 }, () => event({ error_category: "git", success: 0 })),
      new Date(),
    );
    const box = renderDashboard({ stats, insights }, 60);
    expect(box.split("\n").every((l) => l.length === 60)).toBe(true);
    for (const text of ["Workspaces Created: 1", "1. node-postgres (100%)", "Common Issues:", "Insights:"])
      expect(box).toContain(text);
    const html = renderDashboardHtml({ stats, insights });
    expect(html).toContain('<rect class="bar"');
    expect(html).toContain("<code>git</code>");
    expect(html).not.toContain("`");
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
