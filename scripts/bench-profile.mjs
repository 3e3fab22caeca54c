// Where `nexus workspace create` / `up` spend their time (node-postgres, images built):
//   npm run build && node scripts/bench-profile.mjs      (PROFILE_RUNS, default 3)
// Per run: Nexus's own stage timings (`-v`), then the same Compose project driven by hand with the
// override Nexus wrote: `docker compose config`, `docker compose up -d` alone, PostgreSQL accepting
// (TCP probe), one `docker exec pg_isready`, `/run/nexus/init.sh` alone and the SSH banner. Medians.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killProject, waitPostgres } from "./bench-devcontainer.mjs";
import { median } from "./bench-lib.mjs";

const runs = Number(process.env.PROFILE_RUNS ?? 3);
const home = mkdtempSync(join(tmpdir(), "nexus-profile-home-"));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "nexus-profile-repo-")));
const env = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
const repoId = createHash("sha256").update(repo).digest("hex").slice(0, 12);
const templates = resolve("templates");
const cli = resolve("bin/nexus.cjs"); // the installed `nexus` command: bundle + code cache

function timed(cmd, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 64 << 20, ...options });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return { ms, out: `${r.stdout}${r.stderr}` };
}

/** `nexus ARGS -v`: wall time plus every `  stage  123 ms` and `docker compose X (…): 123 ms` line. */
function nexusStages(...args) {
  const { ms, out } = timed("node", [cli, ...args, "-v"], { cwd: repo });
  const stages = { wall: ms };
  for (const m of out.matchAll(/^ {2}(\w+)\s+(\d+) ms/gm)) stages[m[1]] = Number(m[2]);
  for (const m of out.matchAll(/^docker compose (\w+) \(.*\): (\d+) ms/gm))
    stages[`docker compose ${m[1]}`] = Number(m[2]);
  return stages;
}

function composeArgs(name) {
  const project = `nexus-${name}-${repoId.slice(0, 6)}`;
  return [
    "compose",
    "-p",
    project,
    "--project-directory",
    join(repo, ".nexus/worktrees", name),
    "-f",
    join(templates, "node-postgres/compose.yaml"),
    "-f",
    join(repo, ".nexus/compose", `${name}.yaml`),
  ];
}

function container(name, service) {
  return execFileSync(
    "docker",
    [
      "ps",
      "-q",
      "--filter",
      `label=nexus.workspace=${name}`,
      "--filter",
      `label=nexus.repo=${repoId}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
    ],
    { encoding: "utf8" },
  ).trim();
}

function ports(name) {
  const { out } = timed("node", [cli, "workspace", "list", "--json"], { cwd: repo });
  const ws = JSON.parse(out.slice(out.indexOf("{"))).workspaces.find((w) => w.name === name);
  const port = (n) => ws.ports.find((p) => p.name === n).hostPort;
  return { pg: port("postgres"), ssh: port("ssh") };
}

async function waitBanner(port) {
  const started = performance.now();
  for (;;) {
    const text = await new Promise((done) => {
      const s = connect({ host: "127.0.0.1", port });
      const end = (t) => {
        s.destroy();
        done(t);
      };
      s.setTimeout(1000, () => end(""));
      s.once("data", (d) => end(d.toString()));
      s.on("error", () => end(""));
      s.once("close", () => end(""));
    });
    if (text.startsWith("SSH-")) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The same project by hand: fresh state, `up -d` alone, then what Nexus does after it, one by one. */
async function byHand(name, p) {
  const c = composeArgs(name);
  const cenv = { ...env, NEXUS_TEMPLATES: templates };
  timed("docker", [...c, "down", "-v", "-t", "1"], { env: cenv });
  const r = {};
  r["compose config --format json"] = timed("docker", [...c, "config", "--format", "json"], { env: cenv }).ms;
  r["compose up -d (fresh)"] = timed("docker", [...c, "up", "-d"], { env: cenv }).ms;
  r["PostgreSQL accepting after up -d"] = await waitPostgres(p.pg);
  r["docker exec pg_isready (one probe)"] = timed("docker", [
    "exec",
    container(name, "db"),
    "pg_isready",
    "-h",
    "127.0.0.1",
  ]).ms;
  r["docker exec init.sh"] = timed("docker", [
    "exec",
    container(name, "dev"),
    "/bin/sh",
    "/run/nexus/init.sh",
    "0",
    "0",
    "",
    "ssh",
  ]).ms;
  r["SSH banner after init.sh"] = await waitBanner(p.ssh);
  killProject([`nexus.workspace=${name}`, `nexus.repo=${repoId}`]);
  r["compose up -d (after kill)"] = timed("docker", [...c, "up", "-d"], { env: cenv }).ms;
  r["PostgreSQL accepting after kill + up -d"] = await waitPostgres(p.pg);
  return r;
}

function table(title, rows) {
  console.log(title);
  const keys = [...new Set(rows.flatMap(Object.keys))];
  const out = {};
  for (const k of keys) {
    const v = rows.map((r) => r[k]).filter((x) => x !== undefined);
    out[k] = Math.round(median(v));
    console.log(`  ${k.padEnd(40)} ${String(out[k]).padStart(6)} ms  (${v.map(Math.round).join(", ")})`);
  }
  return out;
}

async function main() {
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  execFileSync(
    "git",
    ["-c", "user.email=p@nexus", "-c", "user.name=p", "commit", "-q", "--allow-empty", "-m", "i"],
    {
      cwd: repo,
    },
  );
  timed("node", [cli, "init"], { cwd: repo });
  timed("node", [cli, "workspace", "create", "warm", "--template", "node-postgres", "-q"], { cwd: repo });
  timed("node", [cli, "workspace", "destroy", "warm", "--force", "--delete-branch"], { cwd: repo });
  const create = [];
  const up = [];
  const hand = [];
  for (let i = 0; i < runs; i++) {
    const name = `prof-${i}`;
    create.push(nexusStages("workspace", "create", name, "--template", "node-postgres"));
    killProject([`nexus.workspace=${name}`, `nexus.repo=${repoId}`]);
    up.push(nexusStages("workspace", "up", name));
    hand.push(await byHand(name, ports(name)));
    timed("node", [cli, "workspace", "destroy", name, "--force", "--delete-branch"], { cwd: repo });
  }
  table("nexus workspace create -v (stage ms; post_create spans everything after the worktree)", create);
  table("nexus workspace up -v after docker kill", up);
  table("by hand, same project and override", hand);
}

try {
  await main();
} finally {
  spawnSync("node", [cli, "workspace", "prune", "--force"], { cwd: repo, env, stdio: "ignore" });
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
