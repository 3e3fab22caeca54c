// Task speed, whole processes:
//   1. at 1,000 tasks, Nexus against beads (`bd` 0.49.6, built by scripts/beads-build.sh), the same
//      commands interleaved in the same run: list, ready, show, create, status change, claim; and the
//      floors `node -e 0` and `nexus --help`. Nexus passes a command when its median ≤ beads'.
//   2. at 10,000 tasks, Nexus against absolute targets.
//   3. `nexus task import --from beads` of 10,000 beads issues into a project with none (< 3 s).
//   npm run bench   (runs this after the workspace benchmarks; or: node scripts/bench-tasks.mjs)
// BENCH_RUNS (10k runs, 7), BENCH_COMPARE_RUNS (1k runs, 15), BENCH_TASKS (10,000), BENCH_COMPARE_TASKS
// (1,000), BENCH_BEADS_BIN (a bd binary to use instead of building one), BENCH_KEEP=1 keeps the repos,
// BENCH_IMPORT_ONLY=1 runs part 3 alone.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BEADS_VERSION,
  beadsBinary,
  beadsEnv,
  printFloor,
  processTimer,
  seedBeads,
  summary,
  versus,
} from "./bench-beads.mjs";
import { measure, nexusTimer, saveResults } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const compareRuns = Number(process.env.BENCH_COMPARE_RUNS ?? 15);
const count = Number(process.env.BENCH_TASKS ?? 10_000);
const compareCount = Number(process.env.BENCH_COMPARE_TASKS ?? 1_000);
const temps = [];
const temp = (name) => {
  const dir = mkdtempSync(join(tmpdir(), `nexus-bench-${name}-`));
  temps.push(dir);
  return dir;
};
const id = (i) => `nx-${i.toString(36).padStart(4, "0")}`;

/** Realistic lines: a few events each, some dependencies, mixed statuses. */
function seedTasks(n) {
  const statuses = ["open", "open", "open", "in_progress", "done", "done", "blocked"];
  const lines = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const status = statuses[i % statuses.length];
    const history = [{ id: `e${i}a`, at, by: "seed", type: "created", to: "open" }];
    if (status !== "open")
      history.push({ id: `e${i}b`, at, by: "seed", type: "started", from: "open", to: status });
    lines.push({
      id: id(i),
      title: `Task ${i}: implement part ${i % 97} of the feature`,
      description: "Seeded for the benchmark.",
      status,
      priority: i % 5,
      labels: [`area-${i % 7}`],
      dependsOn: i > 10 && i % 3 === 0 ? [id(i - 7)] : [],
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
  return lines.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Open tasks without dependencies, from the end: each status change and claim takes a fresh one. */
function freshOpenIds(tasks, n) {
  return tasks
    .filter((t) => t.status === "open" && t.dependsOn.length === 0)
    .slice(-n)
    .map((t) => t.id);
}

/** A git repository with `nexus init` and `tasks` seeded as .nexus/tasks.jsonl; returns its timer. */
function nexusProject(tasks) {
  const home = temp("home");
  const repo = temp("tasks");
  const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  execFileSync(
    "git",
    ["-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-q", "--allow-empty", "-m", "init"],
    { cwd: repo },
  );
  const nexus = nexusTimer(repo, env);
  nexus("init");
  writeFileSync(join(repo, ".nexus/tasks.jsonl"), tasks.map((l) => `${JSON.stringify(l)}\n`).join(""));
  return { nexus, repo, env };
}

/** Samples of several whole-process commands, interleaved run by run (the order alternating). */
function interleaved(n, commands) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    const keys = Object.keys(commands);
    for (const k of i % 2 ? keys.reverse() : keys) samples[k].push(commands[k](i));
  }
  return samples;
}

/** Part 1: Nexus ≤ beads for every task command at `compareCount` tasks. */
function compareWithBeads() {
  const tasks = seedTasks(compareCount);
  const { nexus, repo } = nexusProject(tasks);
  const beads = beadsBinary();
  let other;
  let otherName;
  if (beads.bin) {
    const bdRepo = temp("beads");
    const env = beadsEnv(temp("beads-home"));
    const started = performance.now();
    seedBeads(beads.bin, bdRepo, env, tasks);
    const bdVersion = execFileSync(beads.bin, ["version"], { encoding: "utf8" }).trim();
    console.log(
      `${bdVersion}: bd init + bd import of ${compareCount} tasks ${Math.round(performance.now() - started)} ms`,
    );
    const bd = processTimer(beads.bin, ["--no-daemon"], bdRepo, env);
    other = {
      list: () => bd("list", "--all", "--limit", "0"),
      ready: () => bd("ready", "--limit", "0"),
      show: (id) => bd("show", id),
      create: (i) => bd("create", `bench ${i}`, "--silent"),
      status: (id) => bd("update", id, "--status", "in_progress"),
      claim: (id) => bd("update", id, "--claim"),
      floor: () => bd("version"),
    };
    otherName = `beads ${BEADS_VERSION}`;
  } else {
    // No Go toolchain or no module proxy: the floor every Node CLI pays stands in for beads.
    console.log(`beads unavailable (${beads.error}): comparing against the floor \`node -e 0\` instead`);
    const floor = processTimer(process.execPath, ["-e", "0"], repo, process.env);
    other = Object.fromEntries(
      ["list", "ready", "show", "create", "status", "claim", "floor"].map((k) => [k, floor]),
    );
    otherName = "node -e 0";
  }
  console.log(
    `first nexus command after seeding (import of ${compareCount} tasks): ${Math.round(nexus("task", "list"))} ms`,
  );

  // Warm both (page cache, bd's first auto-import check) before measuring.
  for (let i = 0; i < 2; i++) {
    nexus("task", "list");
    other.list();
    nexus("task", "ready");
    other.ready();
  }
  const fresh = freshOpenIds(tasks, 2 * compareRuns);
  const showId = id(Math.floor(compareCount / 2));
  const node = processTimer(process.execPath, [], repo, process.env);
  const pairs = {
    "task list": [() => nexus("task", "list"), () => other.list()],
    "task ready": [() => nexus("task", "ready"), () => other.ready()],
    "task show": [() => nexus("task", "show", showId), () => other.show(showId)],
    "task create": [(i) => nexus("task", "create", `bench ${i}`, "--check", "true"), (i) => other.create(i)],
    "status change (start / update --status)": [
      (i) => nexus("task", "start", fresh[i], "--by", "bench"),
      (i) => other.status(fresh[i]),
    ],
    "task claim ID": [
      (i) => nexus("task", "claim", fresh[compareRuns + i], "--agent", "bench"),
      (i) => other.claim(fresh[compareRuns + i]),
    ],
  };
  const commands = {
    "floor:node -e 0": () => node("-e", "0"),
    "floor:nexus --help": () => node(resolve("bin/nexus.cjs"), "--help"),
    [`floor:${otherName} ${beads.bin ? "version" : ""}`.trim()]: () => other.floor(),
  };
  for (const [name, [n, o]] of Object.entries(pairs)) {
    commands[`nexus:${name}`] = n;
    commands[`other:${name}`] = o;
  }
  const samples = interleaved(compareRuns, commands);

  const load = loadavg()[0].toFixed(1);
  console.log(`\nAt ${compareCount} tasks, ${compareRuns} runs each, interleaved: Nexus ≤ ${otherName}`);
  console.log(`(load average ${load} on ${cpus().length} CPUs: above that count every figure is slowed)`);
  const floors = Object.entries(samples)
    .filter(([k]) => k.startsWith("floor:"))
    .map(([k, s]) => ({ name: k.slice(6), ...summary(s) }));
  console.log("floors");
  for (const f of floors) printFloor(f.name, f);
  const comparisons = Object.keys(pairs).map((name) =>
    versus(`${name} (${compareCount} tasks)`, samples[`nexus:${name}`], samples[`other:${name}`], otherName),
  );
  return { against: otherName, beadsError: beads.error, loadAverage: Number(load), floors, comparisons };
}

/** Part 2: absolute targets at `count` tasks, as before. */
function largeProject() {
  const tasks = seedTasks(count);
  const { nexus } = nexusProject(tasks);
  const importMs = nexus("task", "list", "--json");
  console.log(
    `\nfirst command after a change to tasks.jsonl (import of ${count} tasks): ${Math.round(importMs)} ms (not a target)`,
  );
  const fresh = freshOpenIds(tasks, 2 * runs);
  const showId = id(Math.floor(count / 2));
  return [
    measure(`task list (${count} tasks)`, 300, runs, () => nexus("task", "list")),
    measure(`task list --json (${count} tasks)`, 300, runs, () => nexus("task", "list", "--json")),
    measure(`task ready (${count} tasks)`, 300, runs, () => nexus("task", "ready")),
    measure(`task show (${count} tasks)`, 150, runs, () => nexus("task", "show", showId)),
    measure(`task create (${count} tasks)`, 150, runs, (i) =>
      nexus("task", "create", `bench ${i}`, "--check", "true"),
    ),
    measure(`task start (${count} tasks)`, 150, runs, (i) =>
      nexus("task", "start", fresh[i], "--by", "bench"),
    ),
    measure(`task claim ID (${count} tasks)`, 200, runs, (i) =>
      nexus("task", "claim", fresh[runs + i], "--agent", "bench"),
    ),
  ];
}

/** Beads issues as `bd export` writes them: labels, a blocking dependency, criteria, some closed. */
function seedBeadsIssues(n) {
  const statuses = ["open", "open", "in_progress", "closed", "blocked"];
  const lines = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const issue = {
      id: `bd-${i.toString(36)}`,
      title: `Issue ${i}: implement part ${i % 97} of the feature`,
      description: "Seeded for the benchmark.",
      acceptance_criteria: i % 4 === 0 ? "- `npm test`\n- the page loads" : "",
      status: statuses[i % statuses.length],
      priority: i % 5,
      issue_type: i % 10 === 0 ? "bug" : "task",
      labels: [`area-${i % 7}`],
      dependencies:
        i > 10 && i % 3 === 0
          ? [
              {
                issue_id: `bd-${i.toString(36)}`,
                depends_on_id: `bd-${(i - 7).toString(36)}`,
                type: "blocks",
              },
            ]
          : [],
      created_at: at,
      updated_at: at,
    };
    lines.push(JSON.stringify(issue));
  }
  return `${lines.join("\n")}\n`;
}

/** Part 3: one import of `count` beads issues into a project with no tasks, whole process. */
function importBeads() {
  const { nexus, repo } = nexusProject([]);
  const file = join(temp("beads-export"), "issues.jsonl");
  writeFileSync(file, seedBeadsIssues(count));
  return [
    measure(`task import --from beads (${count} issues)`, 3000, Math.min(runs, 5), () => {
      writeFileSync(join(repo, ".nexus/tasks.jsonl"), "");
      return nexus("task", "import", "--from", "beads", file);
    }),
  ];
}

try {
  if (process.env.BENCH_IMPORT_ONLY) saveResults("tasks-import", { count, results: importBeads() });
  else {
    const small = compareWithBeads();
    const results = [...largeProject(), ...importBeads()];
    saveResults("tasks", { count, compareCount, ...small, results });
    if (small.comparisons.some((c) => !c.pass)) process.exitCode = 1;
  }
} finally {
  if (!process.env.BENCH_KEEP) for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept: ${temps.join(" ")}`);
}
