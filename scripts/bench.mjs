// Speed benchmarks for workspaces, run as whole processes like a user would:
//   npm run bench            (needs a Docker engine: bash scripts/docker-engine.sh)
// Nexus against the devcontainers CLI (issue 9) on the same compose pair and the same Compose v2,
// interleaved in one run, fresh state per run; then startup and `workspace list`.
// Prints medians and writes bench-results/workspaces.json.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  devcontainerDown,
  devcontainerRepo,
  devcontainerUp,
  freePort,
  killProject,
  waitPostgres,
  workspaceImages,
} from "./bench-devcontainer.mjs";
import { compare, measure, nexusTimer, report, saveResults, summary } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const listSize = Number(process.env.BENCH_LIST_SIZE ?? 20);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "nexus-bench-repo-")));
const { NEXUS_TEMPLATES: _ignored, ...hostEnv } = process.env;
const env = { ...hostEnv, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
// Nexus's repository id (src/workspace/context.ts): containers are found by label, never by name.
const repoId = createHash("sha256").update(repo).digest("hex").slice(0, 12);
const labels = (workspace) => [`nexus.workspace=${workspace}`, `nexus.repo=${repoId}`];
const nexus = nexusTimer(repo, env);
const dcRepos = [];
const dcTags = [];

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
  const images = workspaceImages(labels("warm"));
  if (!images.dev || !images.db) throw new Error(`no containers labelled ${labels("warm").join(", ")}`);
  nexus("workspace", "destroy", "warm", "--force", "--delete-branch");
  return images;
}

/** The two devcontainer repositories: Nexus's images as they are, and the copy's build sections kept. */
async function devcontainers(images) {
  const tag = `bench-${process.pid}`;
  const own = { dev: `nexus-bench/dc-dev:${tag}`, db: `nexus-bench/dc-db:${tag}` };
  dcTags.push(own.dev, own.db);
  const imageOnly = devcontainerRepo({
    images,
    pgPort: await freePort(),
    project: `nexus-bench-dc-${process.pid}`,
    build: "reset",
  });
  // Its own tags: `docker compose build` retags what it builds, and Nexus's tags stay untouched.
  const withBuild = devcontainerRepo({
    images: own,
    pgPort: await freePort(),
    project: `nexus-bench-dcb-${process.pid}`,
    build: "keep",
  });
  dcRepos.push(imageOnly, withBuild);
  console.log("warming up: one devcontainer up of each (not measured)…");
  for (const dc of [imageOnly, withBuild]) {
    devcontainerUp(dc, env);
    await waitPostgres(dc.pgPort);
    devcontainerDown(dc);
  }
  return { imageOnly, withBuild };
}

/** PostgreSQL's published port of a running workspace (`nexus workspace ports --json`). */
function pgPortOf(workspace) {
  const out = execFileSync(
    "node",
    [join(import.meta.dirname, "../bin/nexus.cjs"), "workspace", "list", "--json"],
    {
      cwd: repo,
      env,
      encoding: "utf8",
    },
  );
  const ws = JSON.parse(out).workspaces.find((w) => w.name === workspace);
  return ws.ports.find((p) => p.name === "postgres").hostPort;
}

/**
 * One run: create/up of Nexus and of the devcontainer, in alternating order so neither always goes
 * first (warm page cache), each from fresh state; returns the samples in ms.
 */
async function comparisonRun(i, dc) {
  const name = `bench-${i}`;
  const s = {};
  const nexusCreate = () => {
    s.nexusCreate = nexus("workspace", "create", name, "--template", "node-postgres", "-q");
  };
  const dcCreate = async () => {
    s.dcCreate = devcontainerUp(dc.imageOnly, env) + (await waitPostgres(dc.imageOnly.pgPort));
  };
  const nexusUp = () => {
    killProject(labels(name));
    s.nexusUp = nexus("workspace", "up", name, "-q");
  };
  const dcUp = async () => {
    killProject([`com.docker.compose.project=${dc.imageOnly.project}`]);
    s.dcUp = devcontainerUp(dc.imageOnly, env) + (await waitPostgres(dc.imageOnly.pgPort));
  };
  const steps = i % 2 ? [dcCreate, nexusCreate, dcUp, nexusUp] : [nexusCreate, dcCreate, nexusUp, dcUp];
  for (const step of steps) await step();
  s.nexusPgAfterUp = await waitPostgres(pgPortOf(name));
  s.dcBuildCreate = devcontainerUp(dc.withBuild, env) + (await waitPostgres(dc.withBuild.pgPort));
  nexus("workspace", "destroy", name, "--force", "--delete-branch");
  devcontainerDown(dc.imageOnly);
  devcontainerDown(dc.withBuild);
  return s;
}

async function main() {
  const images = setup();
  const dc = await devcontainers(images);
  const results = [];
  const comparisons = [];
  results.push(measure("nexus --help (startup)", 300, runs, () => nexus("--help")));
  console.log(`Nexus vs devcontainer up (${runs} interleaved runs, fresh state each)…`);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await comparisonRun(i, dc));
  const col = (key) => samples.map((s) => s[key]);
  comparisons.push(
    compare(
      "create, images built → healthy (+ SSH for Nexus; + PostgreSQL accepting for devcontainer)",
      0.7,
      col("nexusCreate"),
      col("dcCreate"),
      "devcontainer",
    ),
    compare(
      "up after docker kill of every container (+ PostgreSQL accepting for devcontainer)",
      0.8,
      col("nexusUp"),
      col("dcUp"),
      "devcontainer",
    ),
  );
  results.push(report("workspace create (images built, to healthy)", 5000, col("nexusCreate")));
  results.push(report("workspace up after docker kill", 3000, col("nexusUp")));
  const extra = {
    dcBuildCreate: { ...summary(col("dcBuildCreate")), samples: col("dcBuildCreate").map(Math.round) },
    nexusPgAfterUp: col("nexusPgAfterUp").map(Math.round),
  };
  const b = extra.dcBuildCreate;
  console.log(
    `devcontainer create with the copy's build sections kept (cached \`docker compose build\` first): median ${b.medianMs} ms (min ${b.minMs}, max ${b.maxMs}); PostgreSQL after \`nexus workspace up\` returned: ${extra.nexusPgAfterUp.join(", ")} ms`,
  );
  for (let i = 0; i < listSize; i++)
    nexus("workspace", "create", `list-${i}`, "--template", "node-postgres", "-q");
  results.push(
    measure(`workspace list (${listSize} workspaces)`, 1000, runs, () => nexus("workspace", "list")),
  );
  results.push(
    measure(`workspace list --json (${listSize} workspaces)`, 1000, runs, () =>
      nexus("workspace", "list", "--json"),
    ),
  );
  for (let i = 0; i < listSize; i++) nexus("workspace", "destroy", `list-${i}`, "--force", "--delete-branch");
  saveResults("workspaces", { runs, images, results, comparisons, extra });
}

function cleanup() {
  try {
    nexus("workspace", "prune", "--force");
  } catch {
    // best effort: the temp repository is removed next anyway
  }
  for (const dc of dcRepos) {
    try {
      devcontainerDown(dc);
    } catch {
      // best effort
    }
    rmSync(dc.dir, { recursive: true, force: true });
  }
  // Whatever a failed run left behind: containers, volumes and networks labelled with our repository.
  for (const kind of ["container", "volume", "network"]) {
    const ids = dockerQuiet([
      kind,
      "ls",
      "-q",
      ...(kind === "container" ? ["-a"] : []),
      "--filter",
      `label=nexus.repo=${repoId}`,
    ]);
    if (ids.length) dockerQuiet([kind, "rm", ...(kind === "container" ? ["-f"] : []), ...ids]);
  }
  for (const tag of dcTags) dockerQuiet(["rmi", tag]);
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}

function dockerQuiet(args) {
  try {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

try {
  await main();
} finally {
  cleanup();
}
