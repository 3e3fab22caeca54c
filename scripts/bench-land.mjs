// Landing one done task whose check takes no time (`true`), with a warm integration workspace that has a
// real dev container (a slim Compose template), against what a user does by hand in the same runs.
//   npm run bench            (needs a Docker engine)
// Nexus: one whole `nexus land ID` process (rebase in nexus-land, `true` in its dev container, signed
// record, main fast-forwarded). By hand: in a scratch worktree, check out the branch, `git rebase main`,
// `docker exec` the check in the same dev container, then `git merge --ff-only` in the main checkout.
// Interleaved runs. Target (issue 22): ≤ 1.5 s per landing. Writes bench-results/land.json.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { report, saveResults, summary } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const cli = resolve("bin/nexus.cjs");
const home = mkdtempSync(join(tmpdir(), "nexus-bench-land-home-"));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "nexus-bench-land-repo-")));
const scratch = join(home, "scratch");
const env = {
  ...process.env,
  HOME: home,
  NEXUS_HOME: join(home, ".nexus"),
  NO_COLOR: "1",
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "b@nexus",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "b@nexus",
};
const TARGET_MS = 1500;
const made = [];

const nexus = (...args) => {
  const result = spawnSync("node", [cli, ...args], { cwd: repo, env, encoding: "utf8" });
  if (result.status !== 0 && !args.includes("destroy"))
    throw new Error(`nexus ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
};
const git = (cwd, ...args) => execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();

function setup() {
  git(repo, "init", "-q", "-b", "main");
  mkdirSync(join(repo, ".nexus/templates/slim"), { recursive: true });
  writeFileSync(
    join(repo, ".nexus/templates/slim/compose.yaml"),
    'services:\n  dev:\n    image: debian:bookworm-slim\n    command: ["sleep", "infinity"]\n    init: true\nx-nexus:\n  dev_service: dev\n  ssh: false\n',
  );
  nexus("init");
  const config = join(repo, ".nexus/config.yaml");
  writeFileSync(config, `${readFileSync(config, "utf8")}land:\n  template: slim\n`);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init");
}

/** A done task on its own workspace (no containers: only the landing's are measured) with one commit. */
function doneTask(name) {
  nexus("workspace", "create", name, "--template", "none", "-q");
  made.push(name);
  const id = JSON.parse(nexus("task", "create", name, "--check", "true", "-w", name, "--json")).id;
  nexus("task", "start", id);
  const tree = join(repo, ".nexus/worktrees", name, basename(repo));
  writeFileSync(join(tree, `${name}.txt`), `${name}\n`);
  git(tree, "add", "-A");
  git(tree, "commit", "-qm", `work of ${name}`);
  nexus("task", "complete", id);
  return { id, branch: `nexus/${name}` };
}

function timed(fn) {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

/** The integration workspace's dev container, found by the repository's and the workspace's labels. */
function devContainer() {
  const repoId = createHash("sha256").update(repo).digest("hex").slice(0, 12);
  const labels = [`nexus.repo=${repoId}`, "nexus.workspace=nexus-land", "com.docker.compose.service=dev"];
  const out = execFileSync("docker", ["ps", "-q", ...labels.flatMap((l) => ["--filter", `label=${l}`])], {
    encoding: "utf8",
  });
  const ids = out.split("\n").filter(Boolean);
  if (ids.length !== 1) throw new Error(`${ids.length} dev containers of nexus-land for this repository`);
  return ids[0];
}

/** `nexus land ID`, which must land it (not skip it, not send it back). */
function landOne(id) {
  const result = JSON.parse(nexus("land", id, "--json"));
  if (result.landed[0] !== id) throw new Error(`${id} did not land: ${JSON.stringify(result.outcomes)}`);
}

/** By hand: rebase the branch onto main in a scratch worktree, run the check in the container, ff main. */
function byHand(branch, container) {
  git(scratch, "checkout", "-q", "--detach", branch);
  git(scratch, "rebase", "-q", "main");
  execFileSync("docker", ["exec", container, "true"]);
  const head = git(scratch, "rev-parse", "HEAD");
  git(repo, "merge", "-q", "--ff-only", head);
}

function main() {
  setup();
  landOne(doneTask("warm").id); // makes and starts nexus-land: the landings below find it warm
  made.push("nexus-land");
  git(repo, "worktree", "add", "-q", "--detach", scratch, "main");
  const container = devContainer();
  const landed = [];
  const hand = [];
  for (let i = 0; i < runs; i++) {
    const a = doneTask(`n${i}`);
    const b = doneTask(`h${i}`);
    const pair = [
      () => landed.push(timed(() => landOne(a.id))),
      () => hand.push(timed(() => byHand(b.branch, container))),
    ];
    for (const step of i % 2 ? pair.reverse() : pair) step();
  }
  const result = report("nexus land, one task, check `true`, warm", TARGET_MS, landed);
  const byHandSummary = summary(hand);
  console.log(
    `  by hand (rebase, docker exec, ff)         median ${String(byHandSummary.medianMs).padStart(6)} ms  (min ${byHandSummary.minMs}, max ${byHandSummary.maxMs})`,
  );
  console.log(`  nexus costs +${result.medianMs - byHandSummary.medianMs} ms over doing it by hand`);
  saveResults("land", {
    runs,
    results: [result],
    byHand: { ...byHandSummary, samples: hand.map(Math.round) },
  });
}

try {
  main();
} finally {
  for (const name of made) nexus("workspace", "destroy", name, "--force");
  spawnSync("git", ["worktree", "remove", "--force", scratch], { cwd: repo });
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
