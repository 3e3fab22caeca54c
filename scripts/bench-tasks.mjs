// Task speed, whole `nexus` processes against a project with 10,000 tasks:
//   npm run bench   (runs this after the workspace benchmarks; or: node scripts/bench-tasks.mjs)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure, nexusTimer, saveResults } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const count = Number(process.env.BENCH_TASKS ?? 10_000);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const repo = mkdtempSync(join(tmpdir(), "nexus-bench-tasks-"));
const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };

const nexus = nexusTimer(repo, env);

/** Realistic lines: a few events each, some dependencies, mixed statuses. */
function seed() {
  const statuses = ["open", "open", "open", "in_progress", "done", "done", "blocked"];
  const lines = [];
  for (let i = 0; i < count; i++) {
    const id = `nx-${i.toString(36).padStart(4, "0")}`;
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const status = statuses[i % statuses.length];
    const history = [{ id: `e${i}a`, at, by: "seed", type: "created", to: "open" }];
    if (status !== "open")
      history.push({ id: `e${i}b`, at, by: "seed", type: "started", from: "open", to: status });
    lines.push({
      id,
      title: `Task ${i}: implement part ${i % 97} of the feature`,
      description: "Seeded for the benchmark.",
      status,
      priority: i % 5,
      labels: [`area-${i % 7}`],
      dependsOn: i > 10 && i % 3 === 0 ? [`nx-${(i - 7).toString(36).padStart(4, "0")}`] : [],
      checks: ["npm test"],
      review: false,
      workspace: null,
      assignee: status === "in_progress" ? `agent-${i % 10}` : null,
      leaseExpiresAt: status === "in_progress" ? "2099-01-01T00:00:00.000Z" : null,
      rejections: 0,
      createdAt: at,
      updatedAt: at,
      history,
    });
  }
  lines.sort((a, b) => (a.id < b.id ? -1 : 1));
  writeFileSync(join(repo, ".nexus/tasks.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
}

try {
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  execFileSync(
    "git",
    ["-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-q", "--allow-empty", "-m", "init"],
    { cwd: repo },
  );
  nexus("init");
  seed();
  const importMs = nexus("task", "list", "--json");
  console.log(
    `first command after a change to tasks.jsonl (import of ${count} tasks): ${Math.round(importMs)} ms (not a target)`,
  );
  const results = [
    measure(`task list (${count} tasks)`, 300, runs, () => nexus("task", "list")),
    measure(`task list --json (${count} tasks)`, 300, runs, () => nexus("task", "list", "--json")),
    measure(`task ready (${count} tasks)`, 300, runs, () => nexus("task", "ready")),
    measure(`task create (${count} tasks)`, 150, runs, (i) =>
      nexus("task", "create", `bench ${i}`, "--check", "true"),
    ),
  ];
  saveResults("tasks", { count, results });
} finally {
  if (!process.env.BENCH_KEEP) rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
