import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

async function project(): Promise<{ repo: string; home: string; db: () => Database.Database }> {
  const home = isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  return { repo, home, db: () => new Database(join(home, ".nexus", "telemetry.db"), { readonly: true }) };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  delete process.env.NEXUS_SESSION_ID;
});

/** A real collector on 127.0.0.1 that can be told to fail. */
async function collector(): Promise<{ url: string; bodies: unknown[]; failNext: (n: number) => void }> {
  const bodies: unknown[] = [];
  let failures = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
        return;
      }
      bodies.push(JSON.parse(data));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/logs`, bodies, failNext: (n) => (failures = n) };
}

async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("local telemetry", () => {
  it("records every command with hashed names, sessions and stages, and never the names themselves", async () => {
    const { repo, home, db } = await project();
    process.env.NEXUS_SESSION_ID = "agent-run-7";
    await runCli(["workspace", "create", "secret-feature", "-t", "none"], repo);
    await runCli(["task", "create", "secret-title", "--check", "true"], repo);
    await runCli(["workspace", "status", "missing-one"], repo);
    const all = db().prepare("SELECT * FROM events ORDER BY id").all() as Record<string, unknown>[];
    const events = all.filter((e) => e.event_type === "command");
    expect(events.map((e) => e.command)).toEqual([
      "init",
      "workspace create",
      "task create",
      "workspace status",
    ]);
    expect(events[1]).toMatchObject({ success: 1, workspace_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.parse(events[1]!.raw_data as string).stages.map((s: { stage: string }) => s.stage)).toContain(
      "worktree",
    );
    expect(events[3]).toMatchObject({ success: 0, exit_code: 1, error_category: "not_found" });
    expect(new Set(events.slice(1).map((e) => e.session_id)).size).toBe(1);
    // The workspace event carries the same keyed hash as the command; the task is hashed by its id.
    const created = all.find((e) => e.event_type === "workspace")!;
    expect(created).toMatchObject({ action: "created", workspace_hash: events[1]!.workspace_hash });
    const { keyedHash } = await import("../src/telemetry/key.js");
    expect(events[1]!.workspace_hash).toBe(keyedHash("secret-feature"));
    expect(events[2]!.task_hash).not.toBe(keyedHash("secret-title"));
    const { createHash } = await import("node:crypto");
    expect(events[1]!.workspace_hash).not.toBe(createHash("sha256").update("secret-feature").digest("hex"));
    expect(statSync(join(home, ".nexus", "telemetry.key")).mode & 0o777).toBe(0o600);
    for (const file of ["telemetry.db", "telemetry.db-wal"]
      .map((f) => join(home, ".nexus", f))
      .filter(existsSync)) {
      const bytes = readFileSync(file).toString("latin1");
      for (const secret of ["secret-feature", "secret-title", "missing-one", repo])
        expect(bytes).not.toContain(secret);
    }
    const status = JSON.parse((await runCli(["telemetry", "status", "--json"], repo)).stdout);
    expect(status).toMatchObject({ recording: "on", events: all.length, sessions: 2 });
  });

  it("records nothing when off, and purge leaves nothing", async () => {
    const { repo, home, db } = await project();
    await runCli(["telemetry", "off"], repo);
    const before = db().prepare("SELECT COUNT(*) FROM events").pluck().get();
    await runCli(["task", "list"], repo);
    await runCli(["workspace", "list"], repo);
    expect(db().prepare("SELECT COUNT(*) FROM events").pluck().get()).toBe(before);
    await runCli(["telemetry", "on"], repo);
    expect((await runCli(["telemetry", "purge"], repo)).code).toBe(2);
    expect((await runCli(["telemetry", "purge", "--force"], repo)).code).toBe(0);
    expect(
      ["telemetry.db", "telemetry.db-wal", "telemetry.db-shm"].some((f) =>
        existsSync(join(home, ".nexus", f)),
      ),
    ).toBe(false);
  });

  it("reports stats and insights, and stores insights as patterns", async () => {
    const { repo, db, home } = await project();
    // Nexus's own failure (the engine cannot be reached); a refusal (`task show` of no task) is not one.
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    try {
      for (let i = 0; i < 3; i++) await runCli(["workspace", "create", `w${i}`, "-t", "node-postgres"], repo);
    } finally {
      delete process.env.DOCKER_HOST;
    }
    await runCli(["task", "show", "nx-none"], repo);
    const stats = JSON.parse((await runCli(["stats", "--days", "1", "--json"], repo)).stdout);
    expect(stats.byCommand.find((c: { command: string }) => c.command === "workspace create")).toMatchObject({
      count: 3,
      failures: 3,
    });
    expect(stats.byCommand.find((c: { command: string }) => c.command === "task show")).toMatchObject({
      failures: 0,
      refused: 1,
    });
    const insights = JSON.parse((await runCli(["insights", "--errors", "--json"], repo)).stdout);
    expect(insights[0]).toMatchObject({ id: "error:docker_unavailable", frequency: 3 });
    expect(
      db().prepare("SELECT frequency FROM patterns WHERE id = 'error:docker_unavailable'").pluck().get(),
    ).toBe(3);
    const box = (await runCli(["dashboard"], repo)).stdout;
    expect(box).toContain("Common Issues:");
    expect(box).toContain("• Docker daemon not running (3 occurrences)");
    const json = JSON.parse((await runCli(["dashboard", "--days", "1", "--json"], repo)).stdout);
    expect(json.stats).toMatchObject({ days: 1, failureRateMet: false });
    expect(json.insights.map((i: { id: string }) => i.id)).toContain("error:docker_unavailable");
    expect((await runCli(["stats"], repo)).stdout).toMatch(
      /Operation failure rate: \d+\.\d% \(target < 5%\): not met/,
    );
    // Ten days old: outside insights' default window, the week its help names (issue 20: it was 30 days).
    const rw = new Database(join(home, ".nexus", "telemetry.db"));
    rw.prepare("UPDATE events SET timestamp = ? WHERE command = 'workspace create'").run(
      new Date(Date.now() - 10 * 86_400_000).toISOString(),
    );
    rw.close();
    const ids = async (...args: string[]) =>
      JSON.parse((await runCli(["insights", "--errors", "--json", ...args], repo)).stdout).map(
        (i: { id: string }) => i.id,
      );
    expect(await ids()).not.toContain("error:docker_unavailable");
    expect(await ids("--month")).toContain("error:docker_unavailable");
  });

  it("exports CSV, JSON and a SQL dump that sqlite3 loads with the same row counts", async () => {
    const { repo, db } = await project();
    await runCli(["task", "list"], repo);
    const out = tempDir();
    for (const args of [["--format", "csv"], ["--format", "json"], ["--sql"]]) {
      expect((await runCli(["export", ...args, "-o", join(out, args.join(""))], repo)).code).toBe(0);
    }
    const csv = readFileSync(join(out, "--formatcsv"), "utf8").trimEnd().split("\r\n");
    const count = db().prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    expect(csv[0]).toMatch(/^id,timestamp,session_id,command/);
    expect(JSON.parse(readFileSync(join(out, "--formatjson"), "utf8")).events.length).toBeGreaterThanOrEqual(
      count - 3,
    );
    const fresh = join(out, "fresh.db");
    execFileSync("sqlite3", [fresh], { input: readFileSync(join(out, "--sql")) });
    const loaded = new Database(fresh, { readonly: true });
    const sqlCount = loaded.prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    expect(sqlCount).toBeGreaterThanOrEqual(csv.length - 1);
    expect(loaded.prepare("SELECT COUNT(*) FROM sessions").pluck().get()).toBe(1);
    expect((await runCli(["export", "--format", "xml"], repo)).code).toBe(2);
  });
});

describe("a broken telemetry database", () => {
  it("never makes a command fail", async () => {
    const { repo, home } = await project();
    const { mkdirSync, rmSync, writeFileSync } = await import("node:fs");
    for (const f of ["telemetry.db-wal", "telemetry.db-shm"])
      rmSync(join(home, ".nexus", f), { force: true });
    writeFileSync(join(home, ".nexus", "telemetry.db"), "this is not a database");
    // Corrupt: moved aside and rebuilt (test/environment-failures.test.ts has the cases).
    const rebuilt = await runCli(["task", "list", "--verbose"], repo);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain("telemetry.db was corrupt");
    // Unopenable (here a folder in its place): the command goes on without recording.
    rmSync(join(home, ".nexus", "telemetry.db"));
    mkdirSync(join(home, ".nexus", "telemetry.db"));
    const result = await runCli(["task", "list", "--verbose"], repo);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("telemetry skipped");
  });
});

describe("opt-in sync to a real collector on 127.0.0.1", () => {
  it("uploads after commands at most once an hour with `sync auto on`", async () => {
    const { repo } = await project();
    const server = await collector();
    await runCli(["sync", "setup", "--endpoint", server.url, "--format", "json", "--allow-http"], repo);
    await runCli(["sync", "auto", "on"], repo);
    // The upload runs in a detached background process: the command did not wait for it.
    await waitFor(() => server.bodies.length === 1);
    await runCli(["task", "list"], repo);
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.bodies).toHaveLength(1);
    expect((server.bodies[0] as { events: unknown[] }).events.length).toBeGreaterThan(0);
    expect((await runCli(["sync", "auto", "maybe"], repo)).code).toBe(2);
  });

  it("sends nothing without a sync command, then every event exactly once across a failure", async () => {
    const { repo, db } = await project();
    const server = await collector();
    expect((await runCli(["sync", "setup", "--endpoint", server.url], repo)).stderr).toContain(
      "--allow-http",
    );
    expect((await runCli(["sync", "setup", "--endpoint", server.url, "--allow-http"], repo)).code).toBe(0);
    await runCli(["task", "list"], repo);
    await runCli(["workspace", "list"], repo);
    expect(server.bodies).toHaveLength(0);
    server.failNext(1);
    const failed = await runCli(["sync", "now"], repo);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Nothing was lost");
    expect(failed.stderr).not.toContain("fetch failed");
    const status = JSON.parse((await runCli(["sync", "status", "--json"], repo)).stdout);
    expect(status.lastError).toContain(`Upload to ${server.url} failed: HTTP 500`);
    const ok = JSON.parse((await runCli(["sync", "now", "--json"], repo)).stdout);
    expect(ok.sent).toBeGreaterThan(0);
    await runCli(["task", "list"], repo);
    await runCli(["sync", "now"], repo);
    const records = (
      server.bodies as {
        resourceLogs: {
          resource: unknown;
          scopeLogs: {
            scope: unknown;
            logRecords: {
              attributes: { key: string; value: { intValue?: string } }[];
              timeUnixNano: string;
              severityNumber: number;
            }[];
          }[];
        }[];
      }[]
    ).flatMap((b) => b.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)));
    const ids = records.map((r) =>
      Number(r.attributes.find((a) => a.key === "nexus.event.id")!.value.intValue),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const all = db()
      .prepare("SELECT id FROM events WHERE command NOT IN ('sync now', 'sync') OR id <= ? ORDER BY id")
      .pluck()
      .all(Math.max(...ids)) as number[];
    expect(ids.sort((a, b) => a - b)).toEqual(all.filter((i) => i <= Math.max(...ids)));
    for (const r of records) {
      expect(r.timeUnixNano).toMatch(/^\d+$/);
      expect(Number.isInteger(r.severityNumber)).toBe(true);
    }
  });
});

const hasChromium = spawnSync("chromium", ["--version"]).status === 0;
if (!hasChromium && process.env.CI) throw new Error("CI is set but chromium is not installed");

describe.skipIf(!hasChromium)("the HTML dashboard in headless Chromium", () => {
  it("renders its charts, with no network access", async () => {
    const { repo } = await project();
    await runCli(["workspace", "create", "one", "-t", "none"], repo);
    await runCli(["task", "show", "nx-none"], repo);
    const dir = tempDir();
    const page = join(dir, "dashboard.html");
    expect((await runCli(["dashboard", "--html", page], repo)).code).toBe(0);
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${join(dir, "profile")}`,
    ];
    const shot = join(dir, "dashboard.png");
    spawnSync("chromium", [...flags, `--screenshot=${shot}`, "--window-size=1280,1000", `file://${page}`], {
      timeout: 60_000,
    });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    const dom = spawnSync("chromium", [...flags, "--dump-dom", `file://${page}`], {
      encoding: "utf8",
      timeout: 60_000,
    }).stdout;
    expect((dom.match(/<rect class="bar"/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(dom).toContain("Workspaces created");
    for (const title of ["Commands per day", "Failures per day", "Top templates"])
      expect(dom).toContain(title);
    expect(dom).not.toContain("`");
  });
});
