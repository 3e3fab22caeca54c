// One Ralph iteration's agent, start to end, for a trivial agent (`true`): in the task's dev container
// (the default: allowlisted file copied in, tethered exec through the Engine) against --on-host.
//   npm run bench            (needs a Docker engine)
// Interleaved runs; each is a whole `nexus ralph run` process, and the figure is the iteration's own
// agent time from the run state (iterations[0].durationMs), so workspace start and gates are not in it.
// Target (issue 18): the container costs at most 150 ms more than the host. Writes bench-results/ralph.json.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { saveResults, summary } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 7);
const cli = resolve("bin/nexus.cjs");
const home = mkdtempSync(join(tmpdir(), "nexus-bench-ralph-home-"));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "nexus-bench-ralph-repo-")));
const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1", BENCH_KEY: "k" };
const TARGET_EXTRA_MS = 150;

const nexus = (...args) => {
  const result = spawnSync("node", [cli, ...args], { cwd: repo, env, encoding: "utf8" });
  if (result.status !== 0 && !args.includes("destroy"))
    throw new Error(`nexus ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
};

function setup() {
  const git = (...args) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  mkdirSync(join(repo, ".nexus/templates/slim"), { recursive: true });
  writeFileSync(
    join(repo, ".nexus/templates/slim/compose.yaml"),
    'services:\n  dev:\n    image: debian:bookworm-slim\n    command: ["sleep", "infinity"]\n    init: true\nx-nexus:\n  dev_service: dev\n  ssh: false\n',
  );
  nexus("init");
  const config = join(repo, ".nexus/config.yaml");
  const agent = 'agent:\n  env: [BENCH_KEY]\n  files: ["~/.bench/credentials.json"]\n';
  writeFileSync(config, `${readFileSync(config, "utf8")}${agent}`);
  mkdirSync(join(home, ".bench"));
  writeFileSync(join(home, ".bench/credentials.json"), '{"token":"bench"}\n');
  git("add", "-A");
  git("-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-qm", "init");
  nexus("workspace", "create", "box", "--template", "slim", "-q");
  nexus("workspace", "create", "hostbox", "--template", "none", "-q");
}

/** One `ralph run` of a fresh task in `workspace`; returns the agent's start-to-end time in ms. */
function iteration(workspace, extra) {
  const id = JSON.parse(
    nexus("task", "create", "bench", "--check", "true", "--workspace", workspace, "--json"),
  ).id;
  const [state] = JSON.parse(nexus("ralph", "run", id, "--json", "--agent-cmd", "true", ...extra));
  if (state.status !== "done") throw new Error(`ralph run ended ${state.status}: ${state.message}`);
  return state.iterations[0].durationMs;
}

function main() {
  setup();
  iteration("box", []); // warm: the first exec in a fresh container
  const container = [];
  const host = [];
  for (let i = 0; i < runs; i++) {
    const pair = [
      () => container.push(iteration("box", [])),
      () => host.push(iteration("hostbox", ["--on-host"])),
    ];
    for (const step of i % 2 ? pair.reverse() : pair) step();
  }
  const inContainer = summary(container);
  const onHost = summary(host);
  const extraMs = inContainer.medianMs - onHost.medianMs;
  const pass = extraMs <= TARGET_EXTRA_MS;
  console.log("ralph iteration, trivial agent, start to end");
  console.log(
    `  in the dev container   median ${inContainer.medianMs} ms (min ${inContainer.minMs}, max ${inContainer.maxMs})`,
  );
  console.log(
    `  on the host            median ${onHost.medianMs} ms (min ${onHost.minMs}, max ${onHost.maxMs})`,
  );
  console.log(`  container costs +${extraMs} ms (target ≤ ${TARGET_EXTRA_MS}) ${pass ? "PASS" : "FAIL"}`);
  saveResults("ralph", {
    runs,
    results: [],
    comparisons: [
      {
        name: "ralph iteration agent start-to-end: container minus host",
        container: { ...inContainer, samples: container },
        host: { ...onHost, samples: host },
        extraMs,
        maxExtraMs: TARGET_EXTRA_MS,
        pass,
      },
    ],
  });
}

try {
  main();
} finally {
  for (const name of ["box", "hostbox"]) nexus("workspace", "destroy", name, "--force");
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
