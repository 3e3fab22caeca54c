// Warm create of a compose file with no dev service (Nexus adds its own) against the same file with
// its own dev service on the same image (issue 19: at most 0.2 s slower), interleaved:
//   npm run build && node scripts/bench-own-dev.mjs      (BENCH_RUNS, default 5)
import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, nexusTimer } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const home = mkdtempSync(join(tmpdir(), "nexus-bench-home-"));
const { NEXUS_TEMPLATES: _ignored, ...hostEnv } = process.env;
const env = { ...hostEnv, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
const { devImage } = await import("../dist/workspace/own-dev.js");
// The image Nexus builds for the file without a dev service: Node 22 and the PostgreSQL client.
const image = devImage({ language: "node", version: "22", label: "Node 22" }, ["postgresql-client"]).tag;

const db = `  postgres:
    build:
      context: \${NEXUS_TEMPLATES}/_shared/postgres
    environment: { POSTGRES_USER: nexus, POSTGRES_PASSWORD: nexus, POSTGRES_DB: app }
    ports: ["5432"]
    healthcheck:
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "nexus", "-d", "app"]
      interval: 10s
      start_period: 60s
`;
const own = `services:
  dev:
    image: ${image}
    pull_policy: never
    command: ["sleep", "infinity"]
    init: true
${db}`;

function repo(compose) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "nexus-bench-owndev-")));
  writeFileSync(join(dir, "compose.yaml"), `${compose}`);
  writeFileSync(join(dir, "package.json"), '{"name":"lib","private":true}\n');
  writeFileSync(join(dir, ".nvmrc"), "22\n");
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  execFileSync("git", ["add", "-A"], { cwd: dir });
  execFileSync("git", ["-c", "user.email=b@nexus", "-c", "user.name=bench", "commit", "-qm", "init"], {
    cwd: dir,
  });
  const nexus = nexusTimer(dir, env);
  nexus("init");
  return { dir, nexus };
}

// init proposes the file's `dev` service, and Nexus's own for the file without one.
const withDev = repo(own);
const without = repo(`services:\n${db}`);
const samples = { withDev: [], without: [] };
try {
  for (const r of [without, withDev]) {
    r.nexus("workspace", "create", "warm", "-q"); // builds the images once (not measured)
    r.nexus("workspace", "destroy", "warm", "--force", "--delete-branch");
  }
  for (let i = 0; i < runs; i++) {
    for (const [key, r] of [
      ["without", without],
      ["withDev", withDev],
    ]) {
      samples[key].push(r.nexus("workspace", "create", `b${i}`, "-q"));
      r.nexus("workspace", "destroy", `b${i}`, "--force", "--delete-branch");
    }
  }
} finally {
  for (const dir of [home, withDev.dir, without.dir]) rmSync(dir, { recursive: true, force: true });
}
const a = median(samples.without);
const b = median(samples.withDev);
console.log(
  `warm create, file's own dev service: median ${Math.round(b)} ms (${samples.withDev.map(Math.round).join(", ")})`,
);
console.log(
  `warm create, Nexus's own dev service: median ${Math.round(a)} ms (${samples.without.map(Math.round).join(", ")})`,
);
console.log(`difference: ${Math.round(a - b)} ms (target: at most 200 ms)`);
process.exitCode = a - b <= 200 ? 0 : 1;
