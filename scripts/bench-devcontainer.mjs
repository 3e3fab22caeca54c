// The devcontainers CLI side of `npm run bench`'s comparison (issue 9, "Speed"): a repository whose
// .devcontainer/devcontainer.json points `dockerComposeFile` at a verbatim copy of the node-postgres
// template (compose file + Dockerfiles), run with `devcontainer up` on the same Docker Compose v2.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const cli = resolve("node_modules/@devcontainers/cli/devcontainer.js");

/** The images a running Nexus workspace's services use, by service: `{ dev: "nexus/…:hash", db: … }`. */
export function workspaceImages(filters) {
  const ids = docker(["ps", "-q", ...filters.flatMap((f) => ["--filter", `label=${f}`])]).split("\n");
  const images = {};
  for (const id of ids.filter(Boolean)) {
    const [service, image] = docker([
      "inspect",
      "--format",
      '{{index .Config.Labels "com.docker.compose.service"}} {{.Config.Image}}',
      id,
    ]).split(" ");
    images[service] = image;
  }
  return images;
}

/**
 * Writes a repository with .devcontainer/{templates/node-postgres,templates/_shared} (and _dev) copied from ours
 * and a small second compose file: the project name, Nexus's image tags (so nothing is rebuilt or
 * pulled), the repository mounted at /workspace (Nexus mounts the worktree there too), and PostgreSQL
 * published on 127.0.0.1:pgPort (Nexus publishes on a leased 127.0.0.1 port). With `build: "reset"`
 * the copy's build sections are dropped (`!reset`), so the CLI does not run `docker compose build`;
 * with `build: "keep"` it runs one (all layers cached) before `up`, as it would for a user.
 */
export function devcontainerRepo({ images, pgPort, project, build }) {
  const dir = mkdtempSync(join(tmpdir(), "nexus-bench-dc-"));
  const dc = join(dir, ".devcontainer");
  mkdirSync(join(dc, "templates"), { recursive: true });
  for (const t of ["node-postgres", "_shared", "_dev"])
    cpSync(resolve("templates", t), join(dc, "templates", t), { recursive: true });
  const reset = build === "reset" ? "    build: !reset null\n" : "";
  writeFileSync(
    join(dc, "bench.compose.yaml"),
    `name: ${project}
services:
  dev:
${reset}    image: ${images.dev}
    pull_policy: never
    volumes:
      - ../../..:/workspace
  db:
${reset}    image: ${images.db}
    pull_policy: never
    ports: !override
      - "127.0.0.1:${pgPort}:5432"
`,
  );
  const config = {
    name: "nexus-bench",
    dockerComposeFile: ["templates/node-postgres/compose.yaml", "bench.compose.yaml"],
    service: "dev",
    runServices: ["dev", "db"],
    workspaceFolder: "/workspace",
    shutdownAction: "none",
  };
  writeFileSync(join(dc, "devcontainer.json"), `${JSON.stringify(config, null, 2)}\n`);
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
  const files = [join(dc, "templates/node-postgres/compose.yaml"), join(dc, "bench.compose.yaml")];
  return { dir, project, files, pgPort, build };
}

/**
 * `devcontainer up` as a whole process; returns its wall time in ms. `--update-remote-user-uid-default
 * off`: no derived image for uid mapping (the remote user here is root, so the CLI would build none
 * anyway); Nexus maps the host user with a `docker exec` instead.
 */
export function devcontainerUp(repo, env) {
  const started = performance.now();
  const result = spawnSync(
    "node",
    [cli, "up", "--workspace-folder", repo.dir, "--update-remote-user-uid-default", "off"],
    { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = performance.now() - started;
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  if (result.status !== 0 || !last.includes('"outcome":"success"'))
    throw new Error(`devcontainer up failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  // It still runs `docker compose build dev db`, a no-op (~0.1 s) when no service has a build section.
  if (repo.build === "reset" && /naming to |writing image sha256/.test(result.stderr))
    throw new Error(
      `devcontainer up built images although the compose files name only images:\n${result.stderr}`,
    );
  if (/\bpull(ing)?\b/i.test(result.stderr))
    throw new Error(`devcontainer up pulled an image; the comparison needs local images:\n${result.stderr}`);
  return ms;
}

/** Removes the devcontainer's Compose project with its volumes (fresh state for the next run). */
export function devcontainerDown(repo) {
  docker(["compose", "-p", repo.project, ...repo.files.flatMap((f) => ["-f", f]), "down", "-v", "-t", "1"]);
}

export function killProject(filters) {
  const ids = docker(["ps", "-q", ...filters.flatMap((f) => ["--filter", `label=${f}`])])
    .split("\n")
    .filter(Boolean);
  if (!ids.length) throw new Error(`no running containers for ${filters.join(", ")}`);
  docker(["kill", ...ids]);
  return ids.length;
}

/** Milliseconds until PostgreSQL on 127.0.0.1:port accepts connections (pg_isready's meaning). */
export async function waitPostgres(port, timeoutMs = 120_000) {
  const started = performance.now();
  for (;;) {
    if (await pgAccepts(port)) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`PostgreSQL on ${port} not ready`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sends a StartupMessage (protocol 3.0) and reads the first reply: an authentication request ('R')
 * or any error but 57P03 ("the database system is starting up") means the server accepts
 * connections, as pg_isready decides. A refused or closed connection (docker-proxy accepts and then
 * drops while nothing listens in the container) does not.
 */
function pgAccepts(port) {
  return new Promise((done) => {
    const socket = new Socket();
    let reply = Buffer.alloc(0);
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("data", (chunk) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply[0] === 0x52) return finish(true);
      if (reply[0] !== 0x45 || reply.length < 5 || reply.length < 1 + reply.readInt32BE(1)) return;
      finish(!reply.toString("latin1").includes("C57P03"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write(startupMessage("nexus", "app")));
  });
}

function startupMessage(user, database) {
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`, "latin1");
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function docker(args) {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
