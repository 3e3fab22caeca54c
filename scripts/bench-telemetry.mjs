// Telemetry speed: stats and insights over 100,000 events (whole processes), and the cost recording
// adds to a command (in-process, median of 200 calls):   node scripts/bench-telemetry.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

const cli = resolve("bin/nexus.cjs"); // the installed `nexus` command: bundle + code cache
const count = Number(process.env.BENCH_EVENTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-telemetry-"));
process.env.NEXUS_HOME = home;
const env = { ...process.env, NO_COLOR: "1" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function nexus(...args) {
  const started = performance.now();
  const result = spawnSync("node", [cli, ...args], { env, encoding: "utf8", cwd: home });
  if (result.status !== 0) throw new Error(`nexus ${args.join(" ")}: ${result.stderr}`);
  return performance.now() - started;
}

function seed() {
  nexus("telemetry", "status");
  const db = new Database(join(home, "telemetry.db"));
  const commands = [
    "workspace create",
    "workspace up",
    "workspace list",
    "task list",
    "task create",
    "task complete",
    "task ready",
    "stats",
  ];
  const categories = [null, null, null, null, "gate_failed", "docker_unavailable", "port_conflict"];
  const insert = db.prepare(
    `INSERT INTO events (timestamp, session_id, command, duration_ms, success, exit_code, error_category, workspace_hash,
       task_hash, template_used, services_count, ports_used, nexus_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0.1.0')`,
  );
  const start = Date.now() - 30 * 24 * 3600 * 1000;
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const category = categories[i % categories.length];
      const command = commands[i % commands.length];
      insert.run(
        new Date(start + (i * 30 * 24 * 3600 * 1000) / count).toISOString(),
        `s${i % 500}`,
        command,
        20 + (i % 400),
        category ? 0 : 1,
        category ? 1 : 0,
        category,
        "a".repeat(64),
        "b".repeat(64),
        command === "workspace create" ? "node-postgres" : null,
        2,
        3,
      );
    }
    // Task and workspace events, as the domain code records them (1 in 20 commands).
    const domain = db.prepare(
      `INSERT INTO events (timestamp, session_id, event_type, action, command, duration_ms, success, exit_code,
         task_hash, workspace_hash, template_used, nexus_version, raw_data) VALUES (?, ?, ?, ?, ?, 0, 1, 0, ?, ?, ?, '0.1.0', ?)`,
    );
    for (let i = 0; i < count / 20; i++) {
      const ts = new Date(start + (i * 20 * 30 * 24 * 3600 * 1000) / count).toISOString();
      if (i % 2)
        domain.run(ts, `s${i % 500}`, "task", "completed", "task completed", `t${i}`, null, null, null);
      else
        domain.run(
          ts,
          `s${i % 500}`,
          "workspace",
          "created",
          "workspace created",
          null,
          `w${i}`,
          "node-postgres",
          JSON.stringify({ stages: [{ stage: "compose_up", ms: 3000 + (i % 7) * 4000 }] }),
        );
    }
    for (let s = 0; s < 500; s++)
      db.prepare(
        "INSERT INTO sessions (session_id, source, started_at, last_seen_at, ended_at, duration_ms, commands_executed) VALUES (?, ?, ?, ?, ?, ?, 200)",
      ).run(
        `s${s}`,
        `local`,
        new Date(start).toISOString(),
        new Date().toISOString(),
        new Date().toISOString(),
        1000,
      );
  })();
  db.close();
}

async function recordingCost() {
  const { recordCommand } = await import(resolve("dist/telemetry/recorder.js"));
  const samples = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await recordCommand({ command: "bench", durationMs: 1, exitCode: 0, version: "0.1.0" });
    samples.push(performance.now() - started);
  }
  return median(samples);
}

function report(name, samples, target) {
  const ms = Math.round(median(samples) * 10) / 10;
  console.log(
    `${name.padEnd(44)} median ${String(ms).padStart(7)} ms  (target < ${target} ms) ${ms < target ? "PASS" : "FAIL"}`,
  );
  return { name, medianMs: ms, targetMs: target };
}

try {
  seed();
  const results = [
    report(
      `stats --month (${count} events)`,
      Array.from({ length: runs }, () => nexus("stats", "--month")),
      500,
    ),
    report(
      `dashboard --json (${count} events)`,
      Array.from({ length: runs }, () => nexus("dashboard", "--json")),
      500,
    ),
    report(
      `insights (${count} events)`,
      Array.from({ length: runs }, () => nexus("insights")),
      500,
    ),
    report("recording one command (in-process)", [await recordingCost()], 5),
  ];
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(
    "bench-results/telemetry.json",
    `${JSON.stringify({ date: new Date().toISOString(), count, results }, null, 2)}\n`,
  );
  if (results.some((r) => r.medianMs >= r.targetMs)) process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}
