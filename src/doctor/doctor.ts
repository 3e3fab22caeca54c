import { existsSync, readFileSync, statSync } from "node:fs";
import { loadConfig } from "../core/config.js";
import { openDb } from "../core/db.js";
import { findRepository } from "../core/paths.js";
import { run } from "../core/process.js";

export interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

type CheckFn = () => Promise<Check>;

/** Each check says what it found and, when something is wrong, the one thing to do about it. */
export async function runDoctor(): Promise<Check[]> {
  const checks: CheckFn[] = [
    checkGit,
    checkProject,
    checkDocker,
    checkCompose,
    checkPorts,
    checkSsh,
    checkTls,
  ];
  return Promise.all(
    checks.map((c) => c().catch((e: Error): Check => ({ name: c.name, status: "fail", detail: e.message }))),
  );
}

async function checkGit(): Promise<Check> {
  const result = await run("git", ["--version"]).catch(() => undefined);
  if (result?.exitCode !== 0)
    return { name: "git", status: "fail", detail: "git not found", fix: "Install git 2.31 or newer." };
  return { name: "git", status: "ok", detail: result.stdout.trim() };
}

async function checkProject(): Promise<Check> {
  const paths = await findRepository().catch(() => undefined);
  if (!paths)
    return {
      name: "project",
      status: "warn",
      detail: "not inside a git repository",
      fix: "cd into your repository.",
    };
  if (!existsSync(paths.nexusDir))
    return {
      name: "project",
      status: "warn",
      detail: `${paths.root} has no .nexus/`,
      fix: "Run `nexus init`.",
    };
  loadConfig(paths);
  openDb(paths.dbFile).close();
  return { name: "project", status: "ok", detail: `${paths.root}: config valid, database ok` };
}

async function checkDocker(): Promise<Check> {
  const { getDocker } = await import("../workspace/engine/docker.js");
  let docker: Awaited<ReturnType<typeof getDocker>>;
  try {
    docker = await getDocker();
  } catch (error) {
    return {
      name: "docker",
      status: "fail",
      detail: (error as Error).message,
      fix: "Start the Docker Engine (`sudo systemctl start docker`) or set DOCKER_HOST.",
    };
  }
  const version = await docker.version();
  const base = await docker
    .getImage("debian:bookworm-slim")
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (!base) {
    return {
      name: "docker",
      status: "warn",
      detail: `Engine ${version.Version}; base image debian:bookworm-slim missing`,
      fix: "Run `docker pull debian:bookworm-slim` (or scripts/docker-engine.sh offline).",
    };
  }
  return {
    name: "docker",
    status: "ok",
    detail: `Engine ${version.Version} (API ${version.ApiVersion}), base image present`,
  };
}

/** Compose v2 realises every workspace; `!override` and `!reset` need 2.24 or newer. */
async function checkCompose(): Promise<Check> {
  const { composeVersion } = await import("../workspace/engine/compose.js");
  const version = await composeVersion();
  const fix =
    "Install Docker Compose v2 >= 2.24: `bash scripts/docker-engine.sh` (Debian/Ubuntu), or your distribution's docker-compose-plugin.";
  if (!version) return { name: "compose", status: "fail", detail: "`docker compose` not found", fix };
  const [major = 0, minor = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  if (major < 2 || (major === 2 && minor < 24))
    return { name: "compose", status: "fail", detail: `Docker Compose ${version} is too old`, fix };
  return { name: "compose", status: "ok", detail: `Docker Compose ${version}` };
}

/** HTTPS from inside a container, trusting the CA and using the proxy a workspace would get. */
async function checkTls(): Promise<Check> {
  const { checkTlsInContainer } = await import("../workspace/environment/tls-check.js");
  return { name: "tls", ...(await checkTlsInContainer()) };
}

async function checkPorts(): Promise<Check> {
  const paths = await findRepository().catch(() => undefined);
  if (!paths || !existsSync(paths.nexusDir))
    return { name: "ports", status: "ok", detail: "default range 41000-41999" };
  const { ports } = loadConfig(paths);
  const db = openDb(paths.dbFile);
  const used = db.prepare("SELECT COUNT(*) FROM ports").pluck().get() as number;
  db.close();
  const { isPortFree } = await import("../workspace/setup/ports.js");
  const size = ports.end - ports.start + 1;
  const sample = Array.from(
    { length: Math.min(20, size) },
    (_, i) => ports.start + Math.floor((i * size) / Math.min(20, size)),
  );
  const free = (await Promise.all(sample.map((p) => isPortFree(p)))).filter(Boolean).length;
  const detail = `range ${ports.start}-${ports.end}: ${used} recorded, ${free}/${sample.length} sampled ports bindable`;
  if (free < sample.length / 2)
    return {
      name: "ports",
      status: "warn",
      detail,
      fix: "Another program uses this range; move `ports` in .nexus/config.yaml.",
    };
  return { name: "ports", status: "ok", detail };
}

async function checkSsh(): Promise<Check> {
  const { sshPaths } = await import("../workspace/setup/ssh.js");
  const paths = sshPaths();
  const keygen = await run("ssh-keygen", ["-?"]).catch(() => undefined);
  const ssh = await run("ssh", ["-V"]).catch(() => undefined);
  if (!keygen || !ssh)
    return {
      name: "ssh",
      status: "warn",
      detail: "ssh or ssh-keygen not found",
      fix: "Install OpenSSH's client (`apt-get install openssh-client`).",
    };
  const drift = await checkRunningSsh();
  if (drift) return drift;
  if (!existsSync(paths.userKey))
    return { name: "ssh", status: "ok", detail: "no key yet (made on the first workspace with SSH)" };
  const mode = statSync(paths.userKey).mode & 0o777;
  if (mode !== 0o600)
    return {
      name: "ssh",
      status: "fail",
      detail: `${paths.userKey} has mode ${mode.toString(8)}`,
      fix: `chmod 600 ${paths.userKey}`,
    };
  const included =
    existsSync(paths.userSshConfig) &&
    readFileSync(paths.userSshConfig, "utf8").includes(`Include ${paths.config}`);
  if (!included)
    return {
      name: "ssh",
      status: "warn",
      detail: "~/.ssh/config does not include Nexus's host entries",
      fix: `Add \`Include ${paths.config}\` at the top of ~/.ssh/config.`,
    };
  return {
    name: "ssh",
    status: "ok",
    detail: `key ${paths.userKey} (0600), host entries included from ~/.ssh/config`,
  };
}

/**
 * The project's running workspaces whose SSH no longer works from here (~/.nexus or its ssh folder
 * deleted: no Host entry, a new or missing key, an unpinned host key). Undefined when all is well,
 * outside a project, or without a reachable engine (the docker check says so).
 */
async function checkRunningSsh(): Promise<Check | undefined> {
  const paths = await findRepository().catch(() => undefined);
  if (!paths || !existsSync(paths.nexusDir)) return undefined;
  const { repositoryId } = await import("../workspace/names.js");
  const { sshDrift } = await import("../workspace/setup/ssh-check.js");
  const drift = await sshDrift(repositoryId(paths.root)).catch(() => []);
  if (!drift.length) return undefined;
  const names = drift.map((d) => d.workspace);
  return {
    name: "ssh",
    status: "fail",
    detail: drift.map((d) => `${d.alias}: ${d.problems.join("; ")}`).join("\n"),
    fix: names.map((n) => `nexus workspace up ${n}`).join(" && "),
  };
}
