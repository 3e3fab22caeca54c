// Speed of the repository's own compose files (issue 19), run as whole processes like a user would:
//   node scripts/bench-compose.mjs        (part of `npm run bench`; needs a Docker engine)
// 1. Warm `workspace create` of a compose file with its own dev service against one with only a
//    database, where Nexus adds its own dev container: at most 0.2 s slower.
// 2. `workspace destroy` of a workspace whose worktree holds 200,000 files: under 2 s.
// Prints medians and writes bench-results/compose.json.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nexusTimer, report, saveResults, summary } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const treeFiles = Number(process.env.BENCH_TREE_FILES ?? 200_000);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const { NEXUS_TEMPLATES: _ignored, ...hostEnv } = process.env;
const env = { ...hostEnv, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
const repos = [];

const { devImage } = await import("../dist/workspace/environment/own-dev.js");
// The image Nexus builds for the file without a dev service (Node 22 and the PostgreSQL client): the
// file with its own dev service runs the same image, so only what Nexus adds is compared.
const image = devImage({ language: "node", version: "22", label: "Node 22" }, ["postgresql-client"]).tag;
const DB = `  postgres:
    build:
      context: \${NEXUS_TEMPLATES}/_shared/postgres
    environment: { POSTGRES_USER: nexus, POSTGRES_PASSWORD: nexus, POSTGRES_DB: app }
    ports: ["5432"]
    healthcheck:
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "nexus", "-d", "app"]
      interval: 10s
      start_period: 60s
`;
const DEV = `  dev:
    image: ${image}
    pull_policy: never
    command: ["sleep", "infinity"]
    init: true
`;

/** A Node library's repository with a compose file (and `dev` when asked), initialised by `nexus init`. */
function composeRepo(name, withDev) {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), `nexus-bench-${name}-`)));
  repos.push(repo);
  writeFileSync(join(repo, "compose.yaml"), `services:\n${withDev ? DEV : ""}${DB}`);
  writeFileSync(join(repo, "package.json"), '{"name":"lib","private":true}\n');
  writeFileSync(join(repo, ".nvmrc"), "22\n");
  const git = (...args) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-q", "-m", "init");
  const nexus = nexusTimer(repo, env);
  nexus("init");
  return { repo, nexus };
}

/** Warm creates (images built by a first, unmeasured create), alternating the two repositories. */
function warmCreates(own, added) {
  // The database-only file first: its create builds the image the other file names.
  for (const r of [added, own]) {
    r.nexus("workspace", "create", "warm", "-q");
    r.nexus("workspace", "destroy", "warm", "--force", "--delete-branch");
  }
  const samples = { own: [], added: [] };
  for (let i = 0; i < runs; i++) {
    const order =
      i % 2
        ? [
            ["added", added],
            ["own", own],
          ]
        : [
            ["own", own],
            ["added", added],
          ];
    for (const [key, r] of order) {
      samples[key].push(r.nexus("workspace", "create", `c${i}`, "-q"));
      r.nexus("workspace", "destroy", `c${i}`, "--force", "--delete-branch");
    }
  }
  return samples;
}

/** `destroy` of a workspace (no containers) whose worktree holds `treeFiles` files. */
function bigDestroys(r) {
  const samples = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const name = `big${i}`;
    r.nexus("workspace", "create", name, "--template", "none", "-q");
    const worktree = execFileSync("node", [join(process.cwd(), "bin/nexus.cjs"), "workspace", "path", name], {
      cwd: r.repo,
      env,
      encoding: "utf8",
    }).trim();
    const tree = join(worktree, "node_modules");
    for (let d = 0; d < treeFiles / 1000; d++) {
      const dir = join(tree, `pkg-${d}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 1000; f++) writeFileSync(join(dir, `f${f}.js`), "x");
    }
    samples.push(r.nexus("workspace", "destroy", name, "--force", "--delete-branch"));
  }
  return samples;
}

function main() {
  const own = composeRepo("own-dev", true);
  const added = composeRepo("db-only", false);
  console.log(`warm create: own dev service vs Nexus's own dev container (${runs} runs each)…`);
  const samples = warmCreates(own, added);
  const delta = summary(samples.added).medianMs - summary(samples.own).medianMs;
  const results = [
    report("create, compose file with its own dev service", 10_000, samples.own),
    report("create, compose file with only a database", 10_000, samples.added),
  ];
  console.log(
    `  Nexus's own dev container costs ${delta} ms more (target ≤ 200 ms) ${delta <= 200 ? "PASS" : "FAIL"}`,
  );
  results.push({ name: "own dev container: extra create time", medianMs: delta, targetMs: 201 });
  console.log(`destroy of a worktree with ${treeFiles} files…`);
  results.push(report(`workspace destroy (${treeFiles} files in the tree)`, 2000, bigDestroys(own)));
  saveResults("compose", { runs, treeFiles, results });
}

function cleanup() {
  for (const repo of repos) {
    const id = createHash("sha256").update(repo).digest("hex").slice(0, 12);
    for (const kind of ["container", "volume", "network"]) {
      const all = kind === "container" ? ["-a"] : [];
      const ids = quiet(["docker", kind, "ls", "-q", ...all, "--filter", `label=nexus.repo=${id}`]);
      if (ids.length) quiet(["docker", kind, "rm", ...(kind === "container" ? ["-f"] : []), ...ids]);
    }
    rmSync(repo, { recursive: true, force: true });
  }
  rmSync(home, { recursive: true, force: true });
}

function quiet([cmd, ...args]) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

try {
  main();
} finally {
  cleanup();
}
