import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "./helpers/cli.js";
import {
  buildStandIns,
  type CorpusEntry,
  dropRegistryFeatures,
  fixtureRepo,
  manifest,
  probePort,
  setEnvironment,
  sqlIn,
} from "./helpers/corpus.js";
import { containerId, dockerAvailable, resourcesOf } from "./helpers/docker.js";
import { git, isolatedHome } from "./helpers/fs.js";

/**
 * Issue 9, criterion 2: real compose files run for real through the CLI, as the repository's own
 * environment (`default_template: compose`): the dev container's own command runs, every published
 * port answers on its leased 127.0.0.1 port, and a database is isolated from a second workspace of the
 * same file. Everything is destroyed afterwards and nothing labelled with the workspaces remains.
 */
const hasDocker = await dockerAvailable();
const tag = randomBytes(2).toString("hex");

interface Run {
  dir: string;
  /** The service developers work in: the manifest's, or a database for a services-only file. */
  dev: string;
  /** Workspaces of this file; more than one: its database is checked for isolation. */
  workspaces: string[];
  /** The database service and its (stand-in) image, for the isolation check. */
  db?: { service: string; image: string };
  /** The dev container's command, when the file names one. */
  command?: string;
  /** How many container ports the file publishes (each gets a lease on 127.0.0.1). */
  published: number;
}

const RUNS: Run[] = [
  {
    dir: "compose/awesome-nginx-golang-postgres",
    dev: "backend",
    workspaces: [`ango-a-${tag}`, `ango-b-${tag}`],
    db: { service: "db", image: "postgres" },
    published: 1,
  },
  { dir: "compose/spring-petclinic", dev: "postgres", workspaces: [`pet-${tag}`], published: 2 },
  // devcontainer.json with dockerComposeFile; its registry features are dropped (no registry here).
  {
    dir: "devcontainer/rails",
    dev: "rails",
    workspaces: [`rails-${tag}`],
    command: "sleep infinity",
    published: 0,
  },
  {
    dir: "compose/sqlc",
    dev: "mysql",
    workspaces: [`sqlc-a-${tag}`, `sqlc-b-${tag}`],
    db: { service: "mysql", image: "mysql" },
    published: 7,
  },
];

type Ports = { ports: { name: string; service: string; containerPort: number; hostPort: number }[] };

describe.skipIf(!hasDocker)("real compose files as workspaces (docker compose up through the CLI)", () => {
  let home: string;
  const repos = new Map<string, string>();
  const cli = (repo: string, ...args: string[]) =>
    spawnCli(args, repo, { HOME: home, NEXUS_HOME: `${home}/.nexus` });

  beforeAll(async () => {
    home = isolatedHome();
    buildStandIns();
    const entries = new Map(manifest().map((e) => [e.dir, e] as const));
    for (const run of RUNS) {
      const entry = entries.get(run.dir) as CorpusEntry;
      const repo = await fixtureRepo(entry);
      if (entry.kind === "devcontainer") prepareDevcontainer(repo, entry);
      else setEnvironment(repo, { compose: { files: entry.files, dev_service: run.dev } });
      git(repo, "add", "-A");
      git(repo, "commit", "-q", "-m", "nexus: the repository's compose file is the environment");
      repos.set(run.dir, repo);
    }
    const created = await Promise.all(
      RUNS.flatMap((run) => run.workspaces.map((ws) => cli(repos.get(run.dir)!, "workspace", "create", ws))),
    );
    for (const result of created) expect(result.code, result.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const run of RUNS)
      for (const ws of run.workspaces) {
        const repo = repos.get(run.dir);
        if (repo) await cli(repo, "workspace", "destroy", ws, "--force");
      }
    for (const run of RUNS)
      for (const ws of run.workspaces)
        expect(await resourcesOf(ws, repos.get(run.dir)), `${ws}: leftovers`).toEqual({
          containers: 0,
          networks: 0,
          volumes: 0,
        });
  });

  it.each(RUNS.map((r) => [r.dir, r] as const))(
    "%s: the dev container runs its own command",
    async (_d, run) => {
      const repo = repos.get(run.dir)!;
      for (const ws of run.workspaces) {
        const exec = await cli(repo, "workspace", "exec", ws, "--", "true");
        expect(exec.code, exec.stderr).toBe(0);
        const dev = await new Dockerode().getContainer(await containerId(ws, run.dev, repo)).inspect();
        expect(dev.State.Running).toBe(true);
        // Not Nexus's keep-alive: the file's (or image's) own entrypoint and command.
        const command = [dev.Path, ...dev.Args].join(" ");
        expect(command).not.toContain("Container started");
        if (run.command) expect(command).toBe(run.command);
        if (run.dir.startsWith("devcontainer/")) {
          const ran = await cli(repo, "workspace", "exec", ws, "--", "test", "-f", "/tmp/nexus-boot-ran");
          expect(ran.code, "postCreateCommand ran").toBe(0);
        }
      }
    },
  );

  it.each(RUNS.map((r) => [r.dir, r] as const))(
    "%s: every published port answers on 127.0.0.1",
    async (_d, run) => {
      const repo = repos.get(run.dir)!;
      for (const ws of run.workspaces) {
        const result = await cli(repo, "workspace", "ports", ws, "--json");
        expect(result.code, result.stderr).toBe(0);
        const out = JSON.parse(result.stdout) as Ports;
        // The file's own ports; the dev service's SSH lease is checked below.
        const ports = out.ports.filter((p) => !(p.service === run.dev && p.containerPort === 22));
        expect(ports, `${ws}: leases`).toHaveLength(run.published);
        const answers = await Promise.all(ports.map((p) => probePort(p.containerPort, p.hostPort)));
        const lines = ports.map(
          (p, i) => `${p.service}:${p.containerPort} -> 127.0.0.1:${p.hostPort}: ${answers[i]}`,
        );
        console.info(`${ws}:\n  ${lines.map((l) => l.split("\r")[0]).join("\n  ")}`);
        const failed = lines.filter((_, i) => answers[i]!.startsWith("error:") || answers[i] === "");
        expect(failed, `${ws}: ports that do not answer`).toEqual([]);
        await expectLoopbackOnly(ws);
      }
    },
  );

  it("leases no SSH port for a project's own dev image, and offers an alias only where ssh works", async () => {
    const offered: string[] = [];
    for (const run of RUNS)
      for (const ws of run.workspaces) {
        const out = JSON.parse((await cli(repos.get(run.dir)!, "workspace", "ports", ws, "--json")).stdout);
        const ssh = (out as Ports).ports.find((p) => p.service === run.dev && p.containerPort === 22);
        if (ssh) offered.push(`${ws}: a port for SSH (${ssh.hostPort})`);
        if (!out.sshAlias) {
          expect(out.sshUnavailable, ws).toMatch(/nexus workspace shell/);
          continue;
        }
        const args = ["-F", `${home}/.ssh/config`, "-o", "BatchMode=yes", out.sshAlias, "--", "true"];
        try {
          execFileSync("ssh", args, { timeout: 20_000, stdio: "ignore" });
        } catch {
          offered.push(`${ws}: ${out.sshAlias}`);
        }
      }
    expect(offered, "SSH aliases or ports where no sshd answers").toEqual([]);
  });

  it.each(RUNS.filter((r) => r.db).map((r) => [r.dir, r] as const))(
    "%s: the database of one workspace is not the other's",
    async (_d, run) => {
      const [a, b] = run.workspaces as [string, string];
      const { service, image } = run.db!;
      const sql = (ws: string, text: string) =>
        execFileSync("docker", ["exec", containerIdSync(ws, service), ...sqlIn(image, text)], {
          encoding: "utf8",
        }).trim();
      sql(a, "CREATE TABLE nexus_isolation_probe (id int)");
      const count =
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'nexus_isolation_probe'";
      expect([sql(a, count), sql(b, count)]).toEqual(["1", "0"]);
    },
  );
});

/**
 * The rails devcontainer as far as it runs offline: its ghcr.io features cannot be fetched, and its
 * postCreateCommand (.devcontainer/boot.sh, project code) is not in the fixture: a stub stands in.
 */
function prepareDevcontainer(repo: string, entry: CorpusEntry): void {
  setEnvironment(repo, { devcontainer: entry.devcontainerJson! });
  dropRegistryFeatures(join(repo, entry.devcontainerJson!));
  const boot = join(repo, ".devcontainer", "boot.sh");
  writeFileSync(boot, "#!/bin/sh\necho booted > /tmp/nexus-boot-ran\n");
  chmodSync(boot, 0o755);
}

function containerIdSync(workspace: string, service: string): string {
  const filters = ["--filter", `label=nexus.workspace=${workspace}`];
  filters.push("--filter", `label=com.docker.compose.service=${service}`);
  const ids = execFileSync("docker", ["ps", "-q", ...filters], { encoding: "utf8" })
    .trim()
    .split("\n");
  expect(ids.filter(Boolean), `${workspace}/${service}`).toHaveLength(1);
  return ids[0]!;
}

/** What Docker actually bound for the workspace's containers: 127.0.0.1 only. */
async function expectLoopbackOnly(workspace: string): Promise<void> {
  const filters = { label: [`nexus.workspace=${workspace}`] };
  const containers = await new Dockerode().listContainers({ filters });
  const bound = containers.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => p.IP));
  expect(bound.filter((ip) => ip !== "127.0.0.1")).toEqual([]);
}
