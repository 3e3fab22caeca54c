// Speed benchmarks for workspaces, run as whole `nexus` processes like a user would:
//   npm run bench            (needs a Docker engine: bash scripts/docker-engine.sh)
// Prints medians and writes bench-results/workspaces.json.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure, nexusTimer, saveResults } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const listSize = Number(process.env.BENCH_LIST_SIZE ?? 20);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const repo = mkdtempSync(join(tmpdir(), "nexus-bench-repo-"));
const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };

const nexus = nexusTimer(repo, env);

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
  results.push(measure("nexus --help (startup)", 300, runs, () => nexus("--help")));
  results.push(
    measure("workspace create (images built, to healthy)", 5000, runs, (i) => {
      const ms = nexus("workspace", "create", `bench-${i}`, "--template", "node-postgres", "-q");
      return ms;
    }),
  );
  results.push(
    measure("workspace up after docker kill", 3000, runs, (i) => {
      execFileSync("docker", ["kill", `nexus-bench-${i}-db-1`, `nexus-bench-${i}-dev-1`], {
        stdio: "ignore",
      });
      return nexus("workspace", "up", `bench-${i}`, "-q");
    }),
  );
  for (let i = runs; i < listSize; i++)
    nexus("workspace", "create", `bench-${i}`, "--template", "node-postgres", "-q");
  results.push(
    measure(`workspace list (${listSize} workspaces)`, 1000, runs, () => nexus("workspace", "list")),
  );
  results.push(
    measure(`workspace list --json (${listSize} workspaces)`, 1000, runs, () =>
      nexus("workspace", "list", "--json"),
    ),
  );
  for (let i = 0; i < listSize; i++)
    nexus("workspace", "destroy", `bench-${i}`, "--force", "--delete-branch");
  saveResults("workspaces", { results });
}

try {
  main();
} finally {
  try {
    nexus("workspace", "prune", "--force");
  } catch {
    // best effort: the temp repository is removed next anyway
  }
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
