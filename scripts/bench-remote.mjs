// A workspace on a remote host against one on this machine (issue 21), in the same run:
//   npm run bench   (this script needs root: the "remote" is a second sshd + dockerd in their own
//                    network and mount namespaces, scripts/remote-host.mjs)
// The first remote create moves the images there (measured, not judged); then warm creates,
// interleaved local/remote, each to healthy with SSH. Target: remote within 1.5 s of local.
// Writes bench-results/remote.json.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, nexusTimer, report, saveResults, summary } from "./bench-lib.mjs";
import { startRemoteHost } from "./remote-host.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_GAP_MS = 1500;

if (process.getuid?.() !== 0) {
  console.log("remote-host bench skipped: it needs root (network namespaces for the second host)");
  process.exit(0);
}

const home = mkdtempSync(join(tmpdir(), "nexus-bench-remote-home-"));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "nexus-bench-remote-repo-")));
const { NEXUS_TEMPLATES: _ignored, ...hostEnv } = process.env;
const env = { ...hostEnv, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
const repoId = createHash("sha256").update(repo).digest("hex").slice(0, 12);
const nexus = nexusTimer(repo, env);
let remote;

function setup() {
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: repo });
  const who = ["-c", "user.email=b@nexus", "-c", "user.name=bench"];
  execFileSync("git", [...who, "commit", "-q", "--allow-empty", "-m", "init"], { cwd: repo });
  nexus("init");
  console.log("warming up: template images built here once (not measured)…");
  nexus("workspace", "create", "warm", "--template", "node-postgres", "-q");
  nexus("workspace", "destroy", "warm", "--force", "--delete-branch");
}

async function addHost() {
  remote = await startRemoteHost(home);
  const line = execFileSync("ssh-keygen", ["-lf", join(remote.dir, "etc", "host_key.pub")], {
    encoding: "utf8",
  });
  const fingerprint = line.split(" ")[1];
  nexus("host", "add", "lab", remote.url, "--identity", remote.key, "--accept-host-key", fingerprint);
}

async function main() {
  setup();
  await addHost();
  const first = nexus("workspace", "create", "rwarm", "--template", "node-postgres", "--host", "lab", "-q");
  console.log(`first remote create, images moved to the host: ${(first / 1000).toFixed(1)} s (not judged)`);
  nexus("workspace", "destroy", "rwarm", "--force", "--delete-branch");
  const local = [];
  const far = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ["far", "local"] : ["local", "far"];
    for (const where of order) {
      const name = `${where}-${i}`;
      const host = where === "far" ? ["--host", "lab"] : [];
      (where === "far" ? far : local).push(
        nexus("workspace", "create", name, "--template", "node-postgres", "-q", ...host),
      );
      nexus("workspace", "destroy", name, "--force", "--delete-branch");
    }
  }
  const gap = median(far) - median(local);
  console.log(
    `workspace create, warm: local ${JSON.stringify(summary(local))}, remote ${JSON.stringify(summary(far))}`,
  );
  const results = [report(`remote create − local create (warm, ${runs} runs)`, TARGET_GAP_MS, [gap])];
  saveResults("remote", {
    runs,
    results,
    extra: { firstRemoteCreateMs: Math.round(first), local: summary(local), remote: summary(far) },
  });
}

function cleanup() {
  for (const name of [
    "warm",
    "rwarm",
    ...Array.from({ length: runs }, (_, i) => [`local-${i}`, `far-${i}`]).flat(),
  ]) {
    try {
      nexus("workspace", "destroy", name, "--force", "--delete-branch");
    } catch {
      // not there (the usual case)
    }
  }
  remote?.stop();
  for (const kind of ["container", "volume", "network"]) {
    const list = [
      "ls",
      "-q",
      ...(kind === "container" ? ["-a"] : []),
      "--filter",
      `label=nexus.repo=${repoId}`,
    ];
    const ids = execFileSync("docker", [kind, ...list], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    if (ids.length) execFileSync("docker", [kind, "rm", ...(kind === "container" ? ["-f"] : []), ...ids]);
  }
  rmSync(repo, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}

try {
  await main();
} finally {
  cleanup();
}
