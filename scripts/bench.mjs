// Speed benchmarks for workspaces, run as whole `nexus` processes like a user would:
//   npm run bench            (needs a Docker engine: bash scripts/docker-engine.sh)
// Prints medians and writes bench-results/workspaces.json.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const cli = resolve("dist/cli.js");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const listSize = Number(process.env.BENCH_LIST_SIZE ?? 20);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const repo = mkdtempSync(join(tmpdir(), "nexus-bench-repo-"));
const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };

function nexus(...args) {
  const started = performance.now();
  const result = spawnSync("node", [cli, ...args], { cwd: repo, env, encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`nexus ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function measure(name, target, fn) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(fn(i));
  const result = {
    name,
    medianMs: Math.round(median(samples)),
    minMs: Math.round(Math.min(...samples)),
    maxMs: Math.round(Math.max(...samples)),
    runs,
    targetMs: target,
  };
  console.log(
    `${name.padEnd(44)} median ${String(result.medianMs).padStart(6)} ms  (min ${result.minMs}, max ${result.maxMs}, target < ${target} ms) ${result.medianMs < target ? "PASS" : "FAIL"}`,
  );
  return result;
}

function setup() {
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  execFileSync(
    "git",
    ["-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-q", "--allow-empty", "-m", "init"],
    { cwd: repo },
  );
  nexus("init");
  console.log("warming up: building template images once (not measured)…");
  nexus("workspace", "create", "warm", "--template", "node-postgres", "-q");
  nexus("workspace", "destroy", "warm", "--force", "--delete-branch");
}

function main() {
  setup();
  const results = [];
  results.push(measure("nexus --help (startup)", 300, () => nexus("--help")));
  results.push(
    measure("workspace create (images built, to healthy)", 5000, (i) => {
      const ms = nexus("workspace", "create", `bench-${i}`, "--template", "node-postgres", "-q");
      return ms;
    }),
  );
  results.push(
    measure("workspace up after docker kill", 3000, (i) => {
      execFileSync("docker", ["kill", `nexus-bench-${i}-db-1`, `nexus-bench-${i}-dev-1`], {
        stdio: "ignore",
      });
      return nexus("workspace", "up", `bench-${i}`, "-q");
    }),
  );
  for (let i = runs; i < listSize; i++)
    nexus("workspace", "create", `bench-${i}`, "--template", "node-postgres", "-q");
  results.push(measure(`workspace list (${listSize} workspaces)`, 1000, () => nexus("workspace", "list")));
  results.push(
    measure(`workspace list --json (${listSize} workspaces)`, 1000, () =>
      nexus("workspace", "list", "--json"),
    ),
  );
  for (let i = 0; i < listSize; i++)
    nexus("workspace", "destroy", `bench-${i}`, "--force", "--delete-branch");
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(
    "bench-results/workspaces.json",
    `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  if (results.some((r) => r.medianMs >= r.targetMs)) process.exitCode = 1;
}

try {
  main();
} finally {
  spawnSync("node", [cli, "workspace", "prune", "--force"], { cwd: repo, env });
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
