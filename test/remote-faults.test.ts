/**
 * Faults of workspaces on a remote host (issue 21): a host that cannot be reached, a create that fails
 * part-way on the host, and a host that goes away and comes back. A real second sshd + dockerd in
 * their own namespaces (scripts/remote-host.mjs). Needs root and Docker; under CI=true it fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { type RemoteHost, registerHost, startRemoteHost } from "./helpers/remote-host.js";
import { SLIM_TEMPLATE } from "./helpers/workspaces.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());

const BROKEN = `services:
  dev:
    image: nexus-absent/never-built:1
    command: ["sleep", "infinity"]
    ports:
      - target: 8080
x-nexus:
  dev_service: dev
  ssh: false
`;

describe.skipIf(!ready)("remote workspaces when things go wrong", () => {
  let remote: RemoteHost;
  let home: string;
  let repo: string;
  const suffix = process.pid % 10000;
  const cli = async (...args: string[]) => {
    const result = await runCli(args, repo);
    return {
      ...result,
      stdout: stripVTControlCharacters(result.stdout),
      stderr: stripVTControlCharacters(result.stderr),
    };
  };
  const onHost = (command: string) => remote.shell(command);
  const branches = () => git(repo, "branch", "--list", "nexus/*");

  beforeAll(async () => {
    home = isolatedHome();
    repo = gitRepo({
      "README.md": "# faults\n",
      ".nexus/templates/slim/compose.yaml": SLIM_TEMPLATE,
      ".nexus/templates/broken/compose.yaml": BROKEN,
    });
    remote = await startRemoteHost(home);
    expect((await cli("init")).code).toBe(0);
    await registerHost(cli, remote);
  }, 120_000);

  afterAll(async () => {
    await cli("workspace", "destroy", `gone${suffix}`, "--force").catch(() => undefined);
    remote?.stop();
  }, 120_000);

  it("the default host takes a create without --host; `--host local` is this machine", async () => {
    expect((await cli("host", "add", "local", remote.url)).code).toBe(2);
    expect((await cli("host", "default", "nope")).code).toBe(1);
    expect((await cli("host", "default", "lab")).code).toBe(0);
    expect(JSON.parse((await cli("host", "default", "--json")).stdout)).toEqual({ default: "lab" });
    const far = `dflt${suffix}`;
    const made = await cli("workspace", "create", far, "-t", "slim", "--json");
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).workspace.host).toBe("lab");
    const here = `here${suffix}`;
    const local = await cli("workspace", "create", here, "-t", "none", "--host", "local", "--json");
    expect(local.code, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout).workspace.host).toBeNull();
    expect((await cli("host", "default", "--clear")).code).toBe(0);
    expect(JSON.parse((await cli("host", "default", "--json")).stdout)).toEqual({ default: null });
    for (const name of [far, here])
      expect((await cli("workspace", "destroy", name, "--force", "--delete-branch")).code).toBe(0);
  }, 300_000);

  it("a host that cannot be reached: an error naming it, and nothing made here", async () => {
    const config = join(home, ".nexus", "config.yaml");
    mkdirSync(join(home, ".nexus"), { recursive: true });
    const text = execFileSync("cat", [config], { encoding: "utf8" });
    writeFileSync(config, `${text}  ghost:\n    url: ssh://root@169.254.1.1:2\n`);
    const started = Date.now();
    const result = await cli("workspace", "create", `nowhere${suffix}`, "-t", "slim", "--host", "ghost");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/ghost/);
    expect(result.stderr).toMatch(/nexus host check/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(branches()).toBe("");
    expect((await cli("workspace", "list", "--json")).stdout).not.toContain("nowhere");
  }, 60_000);

  it("a create that fails on the host is undone on both sides", async () => {
    const name = `broken${suffix}`;
    const result = await cli("workspace", "create", name, "-t", "broken", "--host", "lab");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot start workspace "broken\d+" on host lab/);
    expect(branches()).toBe("");
    expect((await cli("workspace", "list", "--json")).stdout).not.toContain(name);
    const left = onHost(
      `ls -d ~/.nexus-remote/*/worktrees/${name} 2>/dev/null; git -C ~/.nexus-remote/*/mirror branch --list 'nexus/${name}'; docker ps -aq --filter label=nexus.workspace=${name}`,
    );
    expect(left.trim()).toBe("");
    // No tunnel process of this home's workspaces is left running.
    const tunnels = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes(join(home, ".nexus", "hosts", "tun-")));
    expect(tunnels).toEqual([]);
  }, 300_000);

  it("a host that goes away: errors name it, nothing here is lost, `up` carries on once it is back", async () => {
    const name = `gone${suffix}`;
    const created = await cli("workspace", "create", name, "-t", "slim", "--host", "lab");
    expect(created.code, created.stderr).toBe(0);
    remote.down();
    const exec = await cli("workspace", "exec", name, "--", "true");
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toMatch(/lab/);
    expect(exec.stderr).not.toMatch(/\n\s+at /);
    const list = JSON.parse((await cli("workspace", "list", "--json")).stdout);
    const row = list.workspaces.find((w: { name: string }) => w.name === name);
    expect(row).toMatchObject({ host: "lab", state: "unknown", drift: ["host lab not answering"] });
    expect(branches()).toContain(`nexus/${name}`);
    await remote.up();
    const up = await cli("workspace", "up", name);
    expect(up.code, up.stderr).toBe(0);
    const again = await cli("workspace", "exec", name, "--", "true");
    expect(again.code, again.stderr).toBe(0);
  }, 300_000);

  it("repair makes a deleted remote worktree again from the mirror's branch, on the host only", async () => {
    const name = `gone${suffix}`;
    const { worktreePath } = JSON.parse((await cli("workspace", "status", name, "--json")).stdout);
    remote.shell(`rm -rf ${worktreePath}`);
    const repaired = await cli("workspace", "repair", name, "--json");
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(JSON.parse(repaired.stdout).actions[0]).toMatch(/recreated the worktree on host lab/);
    expect(remote.shell(`test -f ${worktreePath}/README.md && echo back`).trim()).toBe("back");
    expect(existsSync(worktreePath)).toBe(false); // never made on this machine
    const path = await cli("workspace", "path", name);
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(/is on host lab/);
    const inside = await cli("workspace", "exec", name, "--", "test", "-f", "README.md");
    expect(inside.code, inside.stderr).toBe(0);
  }, 300_000);
});
