import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable, POSTGRES_SSL_REQUEST, probeTcp } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";
import { nonRootUser, type Runner } from "./helpers/nonroot.js";

const hasDocker = await dockerAvailable();

/**
 * The shape of a library's compose file: only the database its tests run against, no place to work.
 * (Nexus's PostgreSQL image has its cluster made at build time, for these credentials.)
 */
const COMPOSE = `services:
  postgres:
    build:
      context: \${NEXUS_TEMPLATES}/_shared/postgres
    environment:
      POSTGRES_USER: nexus
      POSTGRES_PASSWORD: nexus
      POSTGRES_DB: app
    ports:
      - "5432"
    healthcheck:
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "nexus", "-d", "app"]
      interval: 10s
      start_period: 60s
`;

/** A PostgreSQL login with the variables the dev container got: prints the server's answer to a query. */
const CONNECT = `
const { Client } = require("pg");
const client = new Client();
client.connect().then(() => client.query("select current_user, current_database()"))
  .then((r) => { console.log(JSON.stringify(r.rows[0])); return client.end(); })
  .catch((e) => { console.error(e.message); process.exit(1); });
`;

describe.skipIf(!hasDocker)("a compose file with no dev service", () => {
  let repo = "";
  const name = `own-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    isolatedHome();
    repo = gitRepo({
      "compose.yaml": COMPOSE,
      "package.json": `${JSON.stringify({ name: "lib", private: true, scripts: { test: "node -e 1" } })}\n`,
      ".nvmrc": "22\n",
    });
  });

  afterAll(async () => {
    if (!repo) return;
    const ctx = await openProject(repo);
    await destroyWorkspace(ctx, name, { force: true }).catch(() => undefined);
  });

  it("init writes a config that works and says Nexus adds its own dev container", async () => {
    const init = await runCli(["init"], repo);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout + init.stderr).toMatch(/Nexus adds its own dev container for Node 22/);
    const config = readFileSync(join(repo, ".nexus/config.yaml"), "utf8");
    expect(config).toMatch(/^default_template: compose$/m);
    expect(config).not.toMatch(/^\s+dev_service:/m);
  });

  it("create gives a Node 22 container beside the database, which it reaches by name", async () => {
    const created = await runCli(["workspace", "create", name], repo);
    expect(created.code, created.stderr).toBe(0);
    const version = await runCli(["workspace", "exec", name, "--", "node", "--version"], repo);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^v22\./);
    const sh = (script: string) => runCli(["workspace", "exec", name, "--", "sh", "-c", script], repo);
    const vars = await sh('echo "$PGHOST $PGPORT $PGUSER $PGDATABASE $DATABASE_URL"');
    expect(vars.stdout.trim()).toBe("postgres 5432 nexus app postgresql://nexus:nexus@postgres:5432/app");
    const login = await sh(
      `cd /tmp && npm install --silent --no-audit --no-fund pg >/dev/null && node -e '${CONNECT}'`,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout.trim())).toEqual({ current_user: "nexus", current_database: "app" });
    // The file has PostgreSQL: the image has its client, and the variables are all psql needs.
    const psql = await runCli(
      ["workspace", "exec", name, "--", "psql", "-tAc", "select current_user || '@' || current_database()"],
      repo,
    );
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe("nexus@app");
  });

  it("serves SSH from the dev container and publishes the database's own port", async () => {
    const ports = await runCli(["workspace", "ports", name, "--json"], repo);
    expect(ports.code, ports.stderr).toBe(0);
    const listed = JSON.parse(ports.stdout) as {
      ports: { service: string; name: string; hostPort: number }[];
    };
    const ssh = listed.ports.find((p) => p.service === "nexus-dev" && p.name === "ssh");
    const db = listed.ports.find((p) => p.service === "postgres");
    expect((await probeTcp(ssh!.hostPort)).toString()).toMatch(/^SSH-2\.0-/);
    expect(["S", "N"]).toContain((await probeTcp(db!.hostPort, POSTGRES_SSL_REQUEST)).toString());
  });
});

const isRoot = process.getuid?.() === 0;

/** The same repository for a developer who is not root: the container runs their commands as them. */
describe.skipIf(!hasDocker || !isRoot)("a compose file with no dev service, for a non-root user", () => {
  let as: Runner;
  const name = `own-nr-${randomBytes(3).toString("hex")}`;

  beforeAll(() => {
    as = nonRootUser("nexus-ci-dev");
    as.sh("git init -q -b main && git config user.name 'Dev User' && git config user.email dev@example.test");
    writeFileSync(join(as.repo, "compose.yaml"), COMPOSE);
    writeFileSync(join(as.repo, "package.json"), '{"name":"lib","private":true}\n');
    writeFileSync(join(as.repo, ".node-version"), "v22\n");
    as.sh("git add -A && git commit -qm init");
  });

  afterAll(() => {
    as?.nexus("workspace", "destroy", name, "--force");
    as?.cleanup();
  });

  it("init and create alone give a Node 22 container that runs commands as them", () => {
    const init = as.nexus("init");
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout + init.stderr).toMatch(/Nexus adds its own dev container for Node 22/);
    const created = as.nexus("workspace", "create", name);
    expect(created.code, created.stderr).toBe(0);
    const inside = as.nexus(
      "workspace",
      "exec",
      name,
      "--",
      "sh",
      "-c",
      "id -u; node --version; psql -tAc \"select current_user || '@' || current_database()\"",
    );
    expect(inside.code, inside.stderr).toBe(0);
    const [uid, version, row] = inside.stdout.trim().split("\n");
    expect(uid).toBe(String(as.uid));
    expect(version).toMatch(/^v22\./);
    expect(row).toBe("nexus@app");
  });
});
