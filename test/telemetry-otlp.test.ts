import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openTelemetry } from "../src/telemetry/store.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const venv = join(process.cwd(), "node_modules", ".otlp-venv");
const python = join(venv, "bin", "python");

/** The official OTLP protobuf definitions (PyPI, pinned in test/otlp/requirements.txt), in a venv. */
function installDecoder(): boolean {
  if (existsSync(python)) return true;
  const made = spawnSync("python3", ["-m", "venv", venv], { stdio: "ignore" });
  const pip = join(venv, "bin", "pip");
  const args = ["install", "-q", "-r", join("test", "otlp", "requirements.txt")];
  return made.status === 0 && spawnSync(pip, args, { stdio: "ignore", timeout: 300_000 }).status === 0;
}

const hasProto = installDecoder();
if (!hasProto && process.env.CI)
  throw new Error("CI is set but the OTLP decoder venv is missing (scripts/test.sh installs it)");

type Reply = { status: number; headers?: Record<string, string>; body?: string } | "hang";

/** A collector on 127.0.0.1 answering from a script of replies (then 200 `{}`); it keeps every body. */
async function collector(replies: Reply[] = []) {
  const bodies: string[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      bodies.push(data);
      const reply = replies.shift() ?? { status: 200, body: "{}" };
      if (reply === "hang") return void hung.push(res);
      res
        .writeHead(reply.status, { "content-type": "application/json", ...reply.headers })
        .end(reply.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
  cleanups.push(() => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url, bodies };
}

const cleanups: (() => void)[] = [];
const allBodies: string[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  for (const key of [
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "NEXUS_SYNC_ALLOW_HTTP",
  ])
    delete process.env[key];
});

/** Every body Nexus sent, decoded with the official protobuf definitions in strict mode. */
function decode(bodies: string[]): { records: number; types: Record<string, string[]> }[] {
  allBodies.push(...bodies);
  if (!hasProto) return [];
  const result = spawnSync(python, [join("test", "otlp", "decode.py")], {
    input: JSON.stringify(bodies),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`OTLP decoding failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

afterAll(() => {
  // Nothing sent anywhere in this file escaped decoding.
  expect(allBodies.length).toBeGreaterThan(5);
});

async function project(events = 0): Promise<{ repo: string; home: string }> {
  const home = isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  if (events) {
    const db = await openTelemetry();
    const insert = db.prepare(
      `INSERT INTO events (timestamp, session_id, event_type, command, duration_ms, success, exit_code, nexus_version, raw_data)
       VALUES (?, 's', 'command', 'task list', ?, 1, 0, '0.1.0', ?)`,
    );
    const stages = JSON.stringify({ stages: [{ stage: "compose_up", ms: 1200 }] });
    db.transaction(() => {
      for (let i = 0; i < events; i++)
        insert.run(new Date().toISOString(), 10 + (i % 3), i % 7 ? null : stages);
    })();
    db.close();
  }
  return { repo, home };
}

const pending = (home: string) => new Database(join(home, ".nexus", "telemetry.db"), { readonly: true });

describe("OTLP/HTTP sync, decoded with the official protobuf definitions", () => {
  it("sends batches that decode strictly, durations always doubles, stage timings included", async () => {
    const { repo } = await project(1100);
    await runCli(["workspace", "create", "staged", "-t", "none"], repo);
    const server = await collector();
    await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo);
    const result = await runCli(["sync", "now", "--json"], repo);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ batches: 3, rejected: 0, skipped: 0 });
    const decoded = decode(server.bodies);
    expect(decoded.map((d) => d.records)).toEqual([500, 500, expect.any(Number)]);
    for (const d of decoded) {
      expect(d.types["nexus.duration_ms"]).toEqual(["double_value"]);
      expect(d.types["service.instance.id"]).toEqual(["string_value"]);
    }
    expect(decoded.some((d) => d.types["nexus.workspace.stage.worktree.duration_ms"])).toBe(true);
    expect(decoded[0]!.types["process.exit.code"]).toEqual(["int_value"]);
  });

  it('reports and records a partial success instead of "Sent N events"', async () => {
    const { repo, home } = await project(3);
    const partial = { partialSuccess: { rejectedLogRecords: "2", errorMessage: "attribute too long" } };
    const server = await collector([{ status: 200, body: JSON.stringify(partial) }]);
    await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo);
    const result = await runCli(["sync", "now"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr + result.stdout).toContain("2 rejected");
    expect(result.stdout).toContain("attribute too long");
    expect(result.stdout + result.stderr).not.toContain("Sent ");
    const db = pending(home);
    expect(db.prepare("SELECT error_category FROM events WHERE event_type = 'error'").pluck().all()).toEqual([
      "sync_rejected",
    ]);
    decode(server.bodies);
  });

  it("never retries a 400: the bad batch is skipped and recorded, later batches still arrive", async () => {
    const { repo, home } = await project(700);
    const server = await collector([
      { status: 400, body: JSON.stringify({ code: 3, message: "bad batch" }) },
    ]);
    await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo);
    const result = await runCli(["sync", "now", "--json"], repo);
    expect(JSON.parse(result.stdout)).toMatchObject({ skipped: 500, batches: 2 });
    expect(server.bodies).toHaveLength(2);
    const next = await runCli(["sync", "now", "--json"], repo);
    expect(JSON.parse(next.stdout).sent).toBeLessThan(10); // only what was recorded since, not the bad batch
    const db = pending(home);
    expect(
      db.prepare("SELECT COUNT(*) FROM events WHERE error_category = 'sync_bad_request'").pluck().get(),
    ).toBe(1);
    decode(server.bodies);
  });

  it("honours 429 with Retry-After, and stops (keeping the events) when asked to wait too long", async () => {
    const { repo } = await project(2);
    const server = await collector([{ status: 429, headers: { "retry-after": "1" } }]);
    await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo);
    const started = Date.now();
    expect((await runCli(["sync", "now"], repo)).code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(server.bodies).toHaveLength(2);
    expect(server.bodies[0]).toBe(server.bodies[1]);
    const busy = await collector([{ status: 503, headers: { "retry-after": "3600" } }]);
    await runCli(["sync", "setup", "--endpoint", busy.url, "--allow-http"], repo);
    const refused = await runCli(["sync", "now"], repo);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Upload to ${busy.url} failed: HTTP 503`);
    expect(refused.stderr).toContain("retry in 3600 s");
    expect(JSON.parse((await runCli(["sync", "status", "--json"], repo)).stdout).retryNotBefore).toBeTruthy();
    decode([...server.bodies, ...busy.bodies]);
  });

  it("names the endpoint and the cause when nothing listens", async () => {
    const { repo } = await project(1);
    const server = await collector();
    const url = server.url;
    for (const c of cleanups.splice(0)) c();
    await runCli(["sync", "setup", "--endpoint", url, "--allow-http"], repo);
    const result = await runCli(["sync", "now"], repo);
    expect(result.stderr).toContain(`Upload to ${url} failed: connection refused.`);
    expect(result.stderr).not.toContain("fetch failed");
  });

  it("honours OTEL_EXPORTER_OTLP_LOGS_ENDPOINT; plain http needs the opt-in the hint names", async () => {
    const { repo } = await project(1);
    const server = await collector();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:9";
    process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT = server.url;
    const refused = await runCli(["sync", "now"], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("nexus sync now --allow-http");
    expect((await runCli(["sync", "now", "--allow-http"], repo)).code).toBe(0);
    expect(server.bodies).toHaveLength(1);
    decode(server.bodies);
  });

  it("`sync auto on` never slows a command, even when the endpoint accepts but never answers", async () => {
    const { repo, home } = await project(1);
    const server = await collector(Array.from({ length: 5 }, () => "hang" as const));
    await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo);
    const env = { HOME: home, NEXUS_HOME: join(home, ".nexus") };
    await runCli(["sync", "auto", "on"], repo);
    const started = Date.now();
    const listed = await spawnCli(["task", "list"], repo, env);
    expect(listed.code).toBe(0);
    // A whole `node dist/cli.js task list` process; waiting for the endpoint would take 5 s or more.
    expect(Date.now() - started).toBeLessThan(2500);
    // The background upload gave up on its own, said why, and kept the events.
    const until = Date.now() + 15_000;
    let status: { lastError?: string; pending: number } = { pending: 0 };
    while (Date.now() < until && !status.lastError) {
      await new Promise((r) => setTimeout(r, 250));
      status = JSON.parse((await runCli(["sync", "status", "--json"], repo)).stdout);
    }
    expect(status.lastError).toContain(`Upload to ${server.url} failed: no answer within 5 s`);
    expect(status.pending).toBeGreaterThan(0);
    decode(server.bodies);
  });
});
