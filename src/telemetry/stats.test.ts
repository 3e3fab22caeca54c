import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrate } from "../core/db.js";
import { renderDashboard } from "./dashboard.js";
import { renderDashboardHtml } from "./dashboard-html.js";
import { exportCsv, exportJson, exportSql } from "./export.js";
import { computeInsights } from "./insights.js";
import { parseOtlpHeaders, toOtlpLogs } from "./otlp.js";
import { computeStats, percentile } from "./stats.js";
import type { EventRow } from "./store.js";

let id = 0;
function event(fields: Partial<EventRow>): EventRow {
  id++;
  return {
    id,
    ts: "2026-11-20T10:00:00.000Z",
    session_id: "s1",
    command: "workspace list",
    duration_ms: 100,
    success: 1,
    exit_code: 0,
    error_category: null,
    workspace_hash: null,
    task_hash: null,
    template: null,
    services_count: null,
    ports_count: null,
    nexus_version: "0.1.0",
    raw_data: null,
    ...fields,
  };
}

const window = { since: "2026-11-01T00:00:00.000Z", until: "2026-11-30T00:00:00.000Z" };

describe("stats (pure)", () => {
  it("computes counts, success rate, percentiles, templates, errors and days from known rows", () => {
    const events = [
      event({ command: "workspace create", template: "node-postgres", duration_ms: 2000 }),
      event({
        command: "workspace create",
        template: "node-postgres",
        duration_ms: 4000,
        ts: "2026-11-21T10:00:00.000Z",
      }),
      event({
        command: "workspace create",
        template: "go-postgres",
        success: 0,
        exit_code: 1,
        error_category: "docker_unavailable",
      }),
      event({ command: "task complete", duration_ms: 500 }),
      event({ command: "task complete", success: 0, exit_code: 1, error_category: "gate_failed" }),
    ];
    const sessions = [
      {
        id: "s1",
        source: "ppid:1",
        started_at: "2026-11-20T10:00:00.000Z",
        last_seen_at: "2026-11-20T10:30:00.000Z",
        commands: 5,
      },
    ];
    const stats = computeStats(events, sessions, window);
    expect(stats).toMatchObject({
      commands: 5,
      successRate: 0.6,
      workspacesCreated: 2,
      tasksCompleted: 1,
      sessions: 1,
      averageSessionMinutes: 30,
    });
    expect(stats.byCommand[0]).toEqual({
      command: "workspace create",
      count: 3,
      failures: 1,
      p50Ms: 2000,
      p95Ms: 4000,
    });
    expect(stats.topTemplates).toEqual([
      { template: "node-postgres", count: 2 },
      { template: "go-postgres", count: 1 },
    ]);
    expect(stats.errors.map((e) => e.category)).toEqual(["docker_unavailable", "gate_failed"]);
    expect(stats.perDay).toEqual([
      { day: "2026-11-20", commands: 4, failures: 2 },
      { day: "2026-11-21", commands: 1, failures: 0 },
    ]);
    expect(computeStats([], [], window).successRate).toBe(1);
    expect([percentile([], 50), percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95)]).toEqual([
      0, 2, 4,
    ]);
  });
});

describe("insights (pure)", () => {
  it("flags slow commands, recurring errors and rising durations, each with a fix", () => {
    const now = new Date("2026-11-25T00:00:00Z");
    const slow = Array.from({ length: 3 }, () => event({ command: "task list", duration_ms: 900 }));
    const errors = Array.from({ length: 3 }, () =>
      event({ command: "workspace up", success: 0, error_category: "port_conflict" }),
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
    expect(byId["error:port_conflict"]?.suggestion).toContain("ports");
    expect(byId["rising:doctor"]?.description).toContain("100 ms → 400 ms");
    expect(insights.every((i) => i.suggestion.length > 10)).toBe(true);
    expect(computeInsights(errors.slice(0, 2), now)).toEqual([]);
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

  it("encodes OTLP/HTTP JSON logs by the spec and parses OTEL headers", () => {
    const body = toOtlpLogs([event({ services_count: 2, success: 0, duration_ms: 12.5 })], "0.1.0") as {
      resourceLogs: { resource: unknown; scopeLogs: { logRecords: Record<string, unknown>[] }[] }[];
    };
    const record = body.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record.timeUnixNano).toBe("1795168800000000000");
    expect(record.severityNumber).toBe(17);
    expect(record.attributes).toEqual(
      expect.arrayContaining([
        { key: "nexus.services", value: { intValue: "2" } },
        { key: "nexus.duration_ms", value: { doubleValue: 12.5 } },
        { key: "nexus.success", value: { boolValue: false } },
      ]),
    );
    expect(parseOtlpHeaders("api-key=a%20b, x=1")).toEqual({ "api-key": "a b", x: "1" });
  });

  it("renders the dashboard box within the width, and a self-contained HTML page", () => {
    const stats = computeStats(
      [event({ command: "workspace create", template: "node-postgres" })],
      [],
      window,
    );
    const insights = computeInsights(
      Array.from({ length: 3 }, () => event({ error_category: "git", success: 0 })),
      new Date(),
    );
    const box = renderDashboard({ stats, insights }, 60);
    expect(box.split("\n").every((l) => l.length === 60)).toBe(true);
    expect(box).toContain("Workspaces created   1");
    const html = renderDashboardHtml({ stats, insights });
    expect(html).toContain('<rect class="bar"');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
