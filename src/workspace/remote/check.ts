import type { RunResult } from "../../core/process.js";
import { findHost, type Host, type HostPaths, hostPaths } from "./hosts.js";
import { ssh, sshFailure } from "./ssh.js";

interface HostCheck {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

export interface HostReport {
  host: string;
  target: string;
  roundTripMs?: number;
  docker?: string;
  compose?: string;
  git?: string;
  dockerRoot?: string;
  freeBytes?: number;
  networks?: number;
  checks: HostCheck[];
}

/** Networks Docker can make with its default address pools (15 /16 of 172.17-31 + 16 /20 of 192.168). */
const DEFAULT_POOLS = 31;
const GIB = 1024 ** 3;

/**
 * Reachability first (one round trip, which opens the master connection), then every other check
 * at once over that connection. Each row says what it found and, when something is wrong, what to do.
 */
export async function checkHost(name: string, paths: HostPaths = hostPaths()): Promise<HostReport> {
  const host = findHost(name, paths);
  const report: HostReport = {
    host: name,
    target: `${host.user}@${host.hostname}:${host.port}`,
    checks: [],
  };
  const started = performance.now();
  const reach = await ssh(host, "true", { paths });
  if (reach.exitCode !== 0) {
    const error = sshFailure(host, reach);
    report.checks.push({ name: "ssh", status: "fail", detail: error.message, fix: error.hint });
    return report;
  }
  report.roundTripMs = Math.round(performance.now() - started);
  report.checks.push({ name: "ssh", status: "ok", detail: `${report.target} in ${report.roundTripMs} ms` });
  const rows = await Promise.all([
    checkDocker(host, report, paths),
    checkCompose(host, report, paths),
    checkGit(host, report, paths),
    checkDisk(host, report, paths),
    checkNetworks(host, report, paths),
  ]);
  report.checks.push(...rows);
  return report;
}

const out = (result: RunResult) => (result.exitCode === 0 ? result.stdout.trim() : "");
const said = (result: RunResult) => result.stderr.trim().split("\n").pop() || `exit ${result.exitCode}`;

async function checkDocker(host: Host, report: HostReport, paths: HostPaths): Promise<HostCheck> {
  const result = await ssh(host, "docker version --format '{{.Server.Version}}'", { paths });
  const version = out(result);
  if (!version)
    return {
      name: "docker",
      status: "fail",
      detail: `the Docker Engine does not answer: ${said(result)}`,
      fix: `Install and start Docker on the host, and let ${host.user} use it (the docker group).`,
    };
  report.docker = version;
  const major = Number(version.split(".")[0]);
  if (major < 20)
    return {
      name: "docker",
      status: "warn",
      detail: `Docker ${version}`,
      fix: "Upgrade to Docker 20.10 or newer.",
    };
  return { name: "docker", status: "ok", detail: `Docker ${version}` };
}

async function checkCompose(host: Host, report: HostReport, paths: HostPaths): Promise<HostCheck> {
  const version = out(await ssh(host, "docker compose version --short", { paths }));
  if (!version)
    return {
      name: "compose",
      status: "fail",
      detail: "Docker Compose v2 is missing",
      fix: "Install the Compose plugin on the host (e.g. `apt-get install docker-compose-plugin`).",
    };
  report.compose = version.replace(/^v/, "");
  return { name: "compose", status: "ok", detail: `Compose ${report.compose}` };
}

async function checkGit(host: Host, report: HostReport, paths: HostPaths): Promise<HostCheck> {
  const version = out(await ssh(host, "git --version", { paths })).replace(/^git version /, "");
  if (!version)
    return {
      name: "git",
      status: "fail",
      detail: "git is missing",
      fix: "Install git 2.31 or newer on the host (remote worktrees need it).",
    };
  report.git = version;
  return { name: "git", status: "ok", detail: `git ${version}` };
}

async function checkDisk(host: Host, report: HostReport, paths: HostPaths): Promise<HostCheck> {
  const command = `root="$(docker info --format '{{.DockerRootDir}}')" && echo "$root" && df -Pk "$root" | tail -n 1`;
  const [root, line = ""] = out(await ssh(host, command, { paths })).split("\n");
  const freeKib = Number(line.split(/\s+/)[3]);
  if (!root || !line || !Number.isFinite(freeKib))
    return { name: "disk", status: "warn", detail: "cannot read the free disk of Docker's data root" };
  report.freeBytes = freeKib * 1024;
  report.dockerRoot = root;
  const detail = `${(report.freeBytes / GIB).toFixed(1)} GiB free for ${root}`;
  const fix = "Free disk on the host (`docker system prune` removes unused images and build cache).";
  if (report.freeBytes < GIB) return { name: "disk", status: "fail", detail, fix };
  if (report.freeBytes < 5 * GIB) return { name: "disk", status: "warn", detail, fix };
  return { name: "disk", status: "ok", detail };
}

async function checkNetworks(host: Host, report: HostReport, paths: HostPaths): Promise<HostCheck> {
  const text = out(await ssh(host, "docker network ls --filter driver=bridge -q", { paths }));
  if (!text) return { name: "networks", status: "warn", detail: "cannot list Docker's networks" };
  report.networks = text.split("\n").filter(Boolean).length;
  const detail = `${report.networks} bridge networks of about ${DEFAULT_POOLS} the default address pools hold`;
  if (report.networks < DEFAULT_POOLS - 5) return { name: "networks", status: "ok", detail };
  return {
    name: "networks",
    status: "warn",
    detail,
    fix: "Remove unused networks (`docker network prune`) or widen `default-address-pools` in the host's /etc/docker/daemon.json.",
  };
}
