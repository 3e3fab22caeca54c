/**
 * A workspace on a remote host, end to end (issue 21): a real second sshd + dockerd in their own
 * network and mount namespaces (test/helpers/remote-host.ts), where this machine's paths do not exist.
 * Needs root and Docker: on a machine without them it skips, under CI=true it fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { type RemoteHost, registerHost, startRemoteHost } from "./helpers/remote-host.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());
const strip = stripVTControlCharacters;

/** Postgres answers an SSLRequest with one byte ("N" or "S"): proof it is reached, without a client. */
function postgresAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(5000, () => resolve(false));
    socket.once("connect", () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(["N", "S"].includes(data.toString()));
    });
    socket.once("error", () => resolve(false));
  });
}

/** Nothing listens on 127.0.0.1:port (a tunnel left behind would). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function eventually(check: () => Promise<boolean>, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

describe.skipIf(!ready)("a workspace on a remote host", () => {
  let remote: RemoteHost;
  let home: string;
  let repo: string;
  const name = `far${process.pid % 10000}`;
  let worktree = "";
  const cli = async (...args: string[]) => {
    const result = await runCli(args, repo);
    return { ...result, stdout: strip(result.stdout), stderr: strip(result.stderr) };
  };
  const onHost = (command: string) => remote.shell(command);
  /** A shell script run in the workspace's dev container, as the agent would run it. */
  const inWorkspace = (script: string) => cli("workspace", "exec", name, "--", "sh", "-c", script);
  const postgresPort = async () => {
    const ports = JSON.parse((await cli("workspace", "ports", name, "--json")).stdout);
    return ports.ports.find((p: { name: string }) => p.name === "postgres").hostPort as number;
  };

  beforeAll(async () => {
    home = isolatedHome();
    repo = gitRepo({ "README.md": "# far\n", "check.sh": "test -f made-there.txt\n" });
    remote = await startRemoteHost(home);
    expect((await cli("init")).code).toBe(0);
    await registerHost(cli, remote);
  }, 120_000);

  afterAll(async () => {
    await cli("workspace", "destroy", name, "--force").catch(() => undefined);
    remote?.stop();
  }, 120_000);

  it("creates node-postgres there; its database answers on a local leased port", async () => {
    const created = await cli("workspace", "create", name, "-t", "node-postgres", "--host", "lab", "--json");
    expect(created.code, created.stderr).toBe(0);
    const summary = JSON.parse(created.stdout);
    expect(summary.workspace.host).toBe("lab");
    worktree = summary.workspace.worktreePath;
    expect(existsSync(worktree)).toBe(false);
    expect(onHost(`test -f ${summary.workspace.worktreePath}/README.md && echo there`).trim()).toBe("there");
    expect(await postgresAnswers(await postgresPort())).toBe(true);
    const list = JSON.parse((await cli("workspace", "list", "--json")).stdout);
    expect(list.workspaces.find((w: { name: string }) => w.name === name)).toMatchObject({
      host: "lab",
      state: "running",
      drift: [],
    });
    // `ssh ALIAS` reaches the dev container through the tunnel, as for a local workspace.
    const into = execFileSync(
      "ssh",
      ["-F", join(home, ".ssh", "config"), summary.sshAlias, "cat /etc/hostname; pwd"],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(into).toMatch(/^\/workspace/m);
  }, 900_000);

  it("a deleted nexus.db gets the remote workspace back without asking the host", async () => {
    rmSync(join(repo, ".nexus", "nexus.db"), { force: true });
    const list = JSON.parse((await cli("workspace", "list", "--json")).stdout);
    expect(list.workspaces.find((w: { name: string }) => w.name === name)).toMatchObject({
      host: "lab",
      worktreePath: worktree,
    });
    expect(await postgresPort()).toBeGreaterThan(0);
  }, 60_000);

  it("a commit made in the remote container comes back with pull", async () => {
    const made = await inWorkspace(
      "echo yes > made-there.txt && git add made-there.txt && git -c user.name=A -c user.email=a@b commit -qm 'made there'",
    );
    expect(made.code, made.stderr).toBe(0);
    const pulled = await cli("workspace", "pull", name, "--json");
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).commits).toBe(1);
    expect(git(repo, "log", "-1", "--format=%s", `nexus/${name}`)).toBe("made there");
  }, 120_000);

  it("push sends a local commit to the host's worktree; logs come from there; down closes the tunnels", async () => {
    const side = join(home, "side");
    git(repo, "worktree", "add", "-q", side, `nexus/${name}`);
    git(side, "commit", "-q", "--allow-empty", "-m", "made here");
    git(repo, "worktree", "remove", side);
    const pushed = await cli("workspace", "push", name, "--json");
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(onHost(`git -C ${worktree} log -1 --format=%s`).trim()).toBe("made here");
    const logs = await cli("workspace", "logs", name, "db", "-n", "20");
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout + logs.stderr).toMatch(/database system is ready/);
    const port = await postgresPort();
    expect((await cli("workspace", "down", name)).code).toBe(0);
    expect(await portFree(port)).toBe(true);
    expect((await cli("workspace", "up", name)).code).toBe(0);
    expect(await eventually(() => postgresAnswers(port))).toBe(true);
  }, 300_000);

  it("a gate runs on the host and passes", async () => {
    const task = JSON.parse(
      (await cli("task", "create", "far check", "-w", name, "--check", "sh check.sh", "--json")).stdout,
    );
    await cli("task", "start", task.id);
    const done = await cli("task", "complete", task.id, "--json");
    expect(done.code, done.stderr).toBe(0);
    const result = JSON.parse(done.stdout);
    expect(result.task.status).toBe("done");
    expect(result.gates.where).toBe(`workspace ${name} on host lab`);
    expect(result.gates.commit).toBe(onHost(`git -C ${worktree} rev-parse HEAD`).trim());
  }, 120_000);

  it("an agent on the host cannot steer the evidence: a weakened check needs review, a planted .git is not read", async () => {
    const task = JSON.parse(
      (await cli("task", "create", "weakened", "-w", name, "--check", "sh check.sh", "--json")).stdout,
    );
    await cli("task", "start", task.id);
    const attack = [
      "printf 'exit 0\\n' > check.sh && git -c user.name=A -c user.email=a@b commit -qam weaken",
      "cp .git /tmp/dotgit && git init -q /tmp/fake && git -C /tmp/fake -c user.name=A -c user.email=a@b commit -q --allow-empty -m fake",
      "echo 'gitdir: /tmp/fake/.git' > .git",
    ].join(" && ");
    const made = await inWorkspace(attack);
    expect(made.code, made.stderr).toBe(0);
    const done = await cli("task", "complete", task.id, "--json");
    const result = JSON.parse(done.stdout);
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1).reviewFiles).toContain("check.sh");
    const real = onHost(`git -C ~/.nexus-remote/*/mirror rev-parse nexus/${name}`).trim();
    expect(result.gates.commit.startsWith(real)).toBe(true);
    const restored = await inWorkspace("cp /tmp/dotgit .git");
    expect(restored.code, restored.stderr).toBe(0);
  }, 120_000);

  it("recovers with `up` after the host's sshd and dockerd restart", async () => {
    await remote.restart();
    expect(await postgresAnswers(await postgresPort())).toBe(false);
    const status = JSON.parse((await cli("workspace", "status", name, "--json")).stdout);
    expect(status.state).toBe("stopped");
    const up = await cli("workspace", "up", name);
    expect(up.code, up.stderr).toBe(0);
    expect(await eventually(async () => postgresAnswers(await postgresPort()))).toBe(true);
  }, 300_000);

  it("destroy refuses work not pulled, then leaves nothing on either side", async () => {
    await inWorkspace("git -c user.name=A -c user.email=a@b commit -qm more --allow-empty");
    const guarded = await destroyWorkspace(await openProject(repo), name).catch((e: Error) => e);
    expect(String(guarded)).toMatch(/not pulled/);
    const port = await postgresPort();
    const gone = await cli("workspace", "destroy", name, "--force");
    expect(gone.code, gone.stderr).toBe(0);
    expect(
      onHost(
        `docker ps -aq --filter label=nexus.workspace=${name}; docker volume ls -q --filter label=nexus.workspace=${name}`,
      ).trim(),
    ).toBe("");
    expect(onHost(`ls ~/.nexus-remote/*/worktrees 2>/dev/null | grep -c ${name} || true`).trim()).toBe("0");
    expect((await cli("workspace", "list", "--json")).stdout).not.toContain(name);
    expect(await portFree(port)).toBe(true); // the tunnel is closed too
  }, 180_000);
});
