// Telemetry speed: stats and insights over 100,000 events (whole processes), the same with task
// outcomes in a project whose histories hold as many task events (BENCH_TASKS tasks of 10 events),
// and the cost recording adds to a command (in-process, median of 200 calls):
//   node scripts/bench-telemetry.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

const cli = resolve("bin/nexus.cjs"); // the installed `nexus` command: bundle + code cache
const count = Number(process.env.BENCH_EVENTS ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const taskCount = Number(process.env.BENCH_TASKS ?? count / 10);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-telemetry-"));
process.env.NEXUS_HOME = home;
const env = { ...process.env, NO_COLOR: "1" };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function nexus(...args) {
  return nexusIn(home, ...args);
}

function nexusIn(cwd, ...args) {
  const started = performance.now();
  const result = spawnSync("node", [cli, ...args], { env, encoding: "utf8", cwd, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`nexus ${args.join(" ")}: ${result.stderr || result.error}`);
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

/** One task's history: claimed, a failed gate run every third task, passed, sometimes sent back and redone. */
function benchTask(i, start) {
  const at = (minutes) => new Date(start + i * 60_000 + minutes * 60_000).toISOString();
  const ev = (n, type, minutes, extra = {}) => ({
    id: `e${i}x${n}`,
    at: at(minutes),
    by: `agent${i % 4}`,
    type,
    ...extra,
  });
  const fail = (n, minutes) =>
    ev(n, "gate_failed", minutes, {
      from: "verifying",
      to: "in_progress",
      checks: ["npm test"],
      results: [
        {
          command: i % 2 ? "npm test" : "npm run lint",
          exitCode: 1,
          durationMs: 900,
          outputTail: "1 failed",
        },
      ],
    });
  const pass = (n, minutes) =>
    ev(n, "gates_passed", minutes, { from: "verifying", to: "done", checks: ["npm test"] });
  const history = [
    ev(0, "created", 0, { to: "open" }),
    ev(1, "claimed", 1, { from: "open", to: "in_progress" }),
    i % 3 ? pass(2, 20) : fail(2, 20),
    ...(i % 3 ? [] : [pass(3, 40)]),
    ev(4, "rejected", 60, { from: "done", to: "rejected", cause: "conflict", note: "conflict in src/a.ts" }),
    ev(5, "started", 61, { from: "rejected", to: "in_progress" }),
    fail(6, 70),
    pass(7, 80),
    ev(8, "landed", 90, { target: "main" }),
    ev(9, "updated", 91, { note: "landed" }),
  ];
  return {
    id: `nx-${i.toString(36).padStart(5, "0")}`,
    title: `task ${i}`,
    description: "",
    status: "done",
    priority: 2,
    labels: [],
    dependsOn: [],
    checks: ["npm test"],
    review: false,
    workspace: null,
    assignee: `agent${i % 4}`,
    leaseExpiresAt: null,
    rejections: 1,
    createdAt: at(0),
    updatedAt: at(91),
    history,
  };
}

/** A project whose tasks.jsonl holds taskCount tasks (10 history events each), indexed once as usual. */
function seedProject() {
  const root = join(home, "project");
  mkdirSync(root);
  const git = (...args) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
  git("init", "-q");
  git("-c", "user.email=b@e", "-c", "user.name=bench", "commit", "-q", "--allow-empty", "-m", "init");
  nexusIn(root, "init");
  const start = Date.now() - 20 * 24 * 3600 * 1000;
  const lines = Array.from({ length: taskCount }, (_, i) => JSON.stringify(benchTask(i, start)));
  writeFileSync(join(root, ".nexus", "tasks.jsonl"), `${lines.join("\n")}\n`);
  nexusIn(root, "task", "list", "--json");
  return root;
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
  const project = seedProject();
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
    report(
      `stats --month with outcomes (${count} + ${taskCount * 10} task events)`,
      Array.from({ length: runs }, () => nexusIn(project, "stats", "--month")),
      500,
    ),
    report(
      `dashboard --json with outcomes (${taskCount} tasks)`,
      Array.from({ length: runs }, () => nexusIn(project, "dashboard", "--json")),
      500,
    ),
    report(
      `insights with outcomes (${taskCount} tasks)`,
      Array.from({ length: runs }, () => nexusIn(project, "insights")),
      500,
    ),
    report("recording one command (in-process)", [await recordingCost()], 5),
  ];
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(
    "bench-results/telemetry.json",
    `${JSON.stringify({ date: new Date().toISOString(), count, taskCount, results }, null, 2)}\n`,
  );
  if (results.some((r) => r.medianMs >= r.targetMs)) process.exitCode = 1;
} finally {
  if (process.env.BENCH_KEEP) console.log(`kept ${home}`);
  else rmSync(home, { recursive: true, force: true });
}
