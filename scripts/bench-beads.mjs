// beads (github.com/steveyegge/beads, `bd` 0.49.6) for the task benchmark: built by scripts/beads-build.sh
// into a cache outside the repository, run in direct mode (no daemon, nothing leaves the machine).
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { summary as baseSummary } from "./bench-lib.mjs";

export const BEADS_VERSION = "0.49.6";

/** The cached `bd` binary (building it once if needed), or `{ error }` saying why there is none. */
export function beadsBinary() {
  if (process.env.BENCH_BEADS_BIN) return { bin: process.env.BENCH_BEADS_BIN };
  const build = spawnSync("bash", [resolve("scripts/beads-build.sh")], { encoding: "utf8" });
  if (build.status !== 0)
    return { error: (build.stderr || build.stdout || "build failed").trim().split("\n").pop() };
  return { bin: build.stdout.trim().split("\n").pop() };
}

/** Runs a whole process; returns its wall time in ms, throws on failure. */
export function processTimer(command, prefix, cwd, env) {
  return (...args) => {
    const started = performance.now();
    const result = spawnSync(command, [...prefix, ...args], {
      cwd,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - started;
    if (result.status !== 0)
      throw new Error(
        `${command} ${[...prefix, ...args].join(" ")} failed (${result.status}):\n${result.stderr}`,
      );
    return ms;
  };
}

/**
 * bd's environment: its own HOME, no daemon (BEADS_NO_DAEMON=1 and --no-daemon on every command), so
 * every command opens the SQLite database itself, like `nexus`. Auto-import and auto-flush stay on (bd's
 * default): like Nexus, bd keeps its committed .beads/issues.jsonl current on every write.
 */
export function beadsEnv(home) {
  return {
    ...process.env,
    HOME: home,
    BEADS_NO_DAEMON: "1",
    BEADS_AUTO_START_DAEMON: "false",
    BD_ACTOR: "bench",
    NO_COLOR: "1",
    GIT_CONFIG_NOSYSTEM: "1",
  };
}

/** A Nexus task line as beads' JSONL issue: the same id, title, status, priority, labels and dependencies. */
export function beadsIssue(task) {
  const status = task.status === "done" ? "closed" : task.status;
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    status,
    priority: task.priority,
    issue_type: "task",
    ...(task.assignee ? { assignee: task.assignee } : {}),
    created_at: task.createdAt,
    created_by: "seed",
    updated_at: task.updatedAt,
    ...(status === "closed" ? { closed_at: task.updatedAt } : {}),
    labels: task.labels,
    ...(task.dependsOn.length
      ? {
          dependencies: task.dependsOn.map((d) => ({
            issue_id: task.id,
            depends_on_id: d,
            type: "blocks",
            created_at: task.createdAt,
            created_by: "seed",
          })),
        }
      : {}),
  };
}

/** `bd init` in a fresh git repository, then `bd import` of the same tasks (prefix `nx`, like Nexus ids). */
export function seedBeads(bin, repo, env, tasks) {
  const git = (...args) => execFileSync("git", args, { cwd: repo, env, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "b@nexus");
  git("config", "user.name", "bench");
  // What an interactive `bd init` asks for; unset, every command warns and asks git for a remote.
  git("config", "beads.role", "maintainer");
  git("commit", "-q", "--allow-empty", "-m", "init");
  const run = (...args) => execFileSync(bin, args, { cwd: repo, env, stdio: "pipe", encoding: "utf8" });
  run("init", "--prefix", "nx", "--quiet", "--skip-hooks");
  const file = join(repo, "seed.jsonl");
  writeFileSync(file, tasks.map((t) => `${JSON.stringify(beadsIssue(t))}\n`).join(""));
  run("--no-daemon", "import", "-i", file);
  const listed = run("--no-daemon", "count").trim();
  if (!listed.includes(String(tasks.length)))
    throw new Error(`bd import: expected ${tasks.length} issues, bd count says ${listed}`);
}

/** Median, min and max of samples in ms, rounded, with the samples (bench-lib's summary plus them). */
export function summary(samples) {
  return { ...baseSummary(samples), samples: samples.map(Math.round) };
}

const line = (who, s) =>
  `  ${who.padEnd(26)} median ${String(s.medianMs).padStart(6)} ms  (min ${s.minMs}, max ${s.maxMs})`;

/** Prints a floor (no target). */
export function printFloor(name, s) {
  console.log(line(name, s));
}

/** Nexus against another tool measured in the same runs: PASS when Nexus' median ≤ the other's. */
export function versus(name, nexusSamples, otherSamples, otherName) {
  const nexus = summary(nexusSamples);
  const other = summary(otherSamples);
  const pass = nexus.medianMs <= other.medianMs;
  const diff = nexus.medianMs - other.medianMs;
  console.log(name);
  console.log(line("nexus", nexus));
  console.log(line(otherName, other));
  console.log(
    `  nexus ${diff > 0 ? "+" : ""}${diff} ms (target: nexus ≤ ${otherName}) ${pass ? "PASS" : "FAIL"}`,
  );
  return { name, against: otherName, nexus, other, diffMs: diff, pass };
}
