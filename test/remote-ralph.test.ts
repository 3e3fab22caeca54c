/**
 * The Ralph loop on a workspace on a remote host, end to end (issue 21): `ralph run --hosts` makes the
 * task's workspace on a real second sshd + dockerd in their own namespaces (test/helpers/remote-host.ts),
 * a scripted agent runs in its dev container there (the prompt written into the container, read from
 * stdin and from NEXUS_PROMPT_FILE), and the gates pass on the host. A full host sends the next task's
 * workspace to this machine. Needs root and Docker: without them it skips, under CI=true it fails.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf } from "../src/workspace/remote/ssh.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";
import { type RemoteHost, startRemoteHost } from "./helpers/remote-host.js";
import { SLIM_TEMPLATE } from "./helpers/workspaces.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());
const strip = stripVTControlCharacters;
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

/** The agent: says what it saw (its prompt on stdin and in its file, the loop's variables), then fixes the task. */
const AGENT = `{
  echo "stdin=$(head -n 1)"
  echo "file=$NEXUS_PROMPT_FILE"
  echo "file-title=$(head -n 1 "$NEXUS_PROMPT_FILE")"
  echo "mode=$(stat -c %a "$NEXUS_PROMPT_FILE")"
  echo "leftover=$(env | grep -c '^NEXUS_PROMPT_[0-9]')"
  echo "task=$NEXUS_TASK_ID workspace=$NEXUS_WORKSPACE"
} > seen.txt 2>&1
echo yes > fixed.txt
`;

describe.skipIf(!ready)("ralph run on a remote host", () => {
  let remote: RemoteHost;
  let second: RemoteHost | undefined;
  let repo: string;
  const made: string[] = [];
  const cli = async (...args: string[]) => {
    const result = await runCli(args, repo);
    return { ...result, stdout: strip(result.stdout), stderr: strip(result.stderr) };
  };
  const onHost = (command: string) => remote.shell(command);
  const task = async (title: string) =>
    JSON.parse((await cli("task", "create", title, "--check", "sh check.sh", "--json")).stdout).id as string;
  const ralph = (id: string, hosts: string) =>
    cli("ralph", "run", id, "--hosts", hosts, "-t", "slim", "--agent-cmd", "sh agent.sh", "--json");

  /** `ralph run` as its own process (it waits while this test acts), with a way to see it waiting. */
  const spawnRun = (args: string[]) => {
    const child = spawn(process.execPath, [CLI, ...args, "--agent-cmd", "sh agent.sh", "--json"], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: "1" },
    });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (c: Buffer) => {
      out.stdout += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      out.stderr += c;
    });
    const ended = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    const waiting = async () => {
      const deadline = Date.now() + 240_000;
      while (!out.stderr.includes("every host is full") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
    };
    return { child, out, ended, waiting };
  };

  beforeAll(async () => {
    const home = isolatedHome();
    repo = gitRepo({
      "fixed.txt": "no\n",
      "check.sh": 'grep -q yes fixed.txt || { echo "expected yes"; exit 1; }\n',
      "agent.sh": AGENT,
      ".nexus/templates/slim/compose.yaml": SLIM_TEMPLATE,
    });
    remote = await startRemoteHost(home);
    expect((await cli("init")).code).toBe(0);
    const added = await cli(
      ...["host", "add", "lab", remote.url, "--identity", remote.key],
      ...["--accept-host-key", fingerprintOf(remote.hostKey()), "--limit", "1"],
    );
    expect(added.code, added.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const name of made) await cli("workspace", "destroy", name, "--force").catch(() => undefined);
    remote?.stop();
    second?.stop();
  }, 180_000);

  it("finishes a task in a new workspace on the host, the prompt written only in its container", async () => {
    const id = await task("remote fix");
    const result = await ralph(id, "lab");
    const workspace = JSON.parse((await cli("task", "show", id, "--json")).stdout).workspace as string;
    if (workspace) made.push(workspace);
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    const run = JSON.parse(result.stdout)[0];
    expect(run).toMatchObject({ status: "done", workspace });
    // Its change was seen with the host's git (the fingerprint), and the gate passed there.
    expect(run.iterations).toMatchObject([{ changed: true, passed: true, agentExitCode: 0 }]);
    const record = JSON.parse((await cli("workspace", "list", "--json")).stdout).workspaces.find(
      (w: { name: string }) => w.name === workspace,
    );
    expect(record).toMatchObject({ host: "lab" });
    expect(existsSync(record.worktreePath)).toBe(false);
    const seen = onHost(`cat ${record.worktreePath}/seen.txt`);
    expect(seen).toContain(`stdin=# Task ${id}`);
    expect(seen).toContain(`file-title=# Task ${id}`);
    expect(seen).toMatch(/file=\/\S+\/\.nexus\/runs\/agent\/prompt\.md/);
    expect(seen).toContain("mode=600");
    expect(seen).toContain("leftover=0");
    expect(seen).toContain(`task=${id} workspace=${workspace}`);
  }, 900_000);

  it("refuses --on-host for a task whose workspace is on a host, releasing its claim", async () => {
    const remoteWs = made[0]!;
    const id = JSON.parse(
      (await cli("task", "create", "there", "-w", remoteWs, "--check", "sh check.sh", "--json")).stdout,
    ).id as string;
    const result = await cli("ralph", "run", id, "--on-host", "--agent-cmd", "true");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is on host lab: its worktree is not on this machine`);
    const shown = JSON.parse((await cli("task", "show", id, "--json")).stdout);
    expect(shown.history.at(-1)).toMatchObject({ type: "ralph_refused" });
  }, 300_000);

  it("sends the next new workspace to this machine when the host is at its limit", async () => {
    const id = await task("local fix");
    const result = await ralph(id, "lab,local");
    const workspace = JSON.parse((await cli("task", "show", id, "--json")).stdout).workspace as string;
    if (workspace) made.push(workspace);
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ status: "done" });
    const record = JSON.parse((await cli("workspace", "list", "--json")).stdout).workspaces.find(
      (w: { name: string }) => w.name === workspace,
    );
    expect(record.host ?? null).toBe(null);
    expect(existsSync(record.worktreePath)).toBe(true);
  }, 300_000);

  it("--parallel 2 over two full-ish hosts: one worker takes the free slot, the other waits for one", async () => {
    second = await startRemoteHost(tempDir());
    const added = await cli(
      ...["host", "add", "far", second.url, "--identity", second.key],
      ...["--accept-host-key", fingerprintOf(second.hostKey()), "--limit", "1"],
    );
    expect(added.code, added.stderr).toBe(0);
    const ids = [await task("one"), await task("two")];
    // lab holds the first test's workspace (1/1), far none (0/1): one task goes to far, the other waits.
    const args = ["ralph", "run", ...ids, "--parallel", "2", "--hosts", "lab,far", "-t", "slim"];
    const run = spawnRun(args);
    await run.waiting();
    expect(run.out.stderr).toMatch(/every host is full \((lab 1\/1, far 1\/1)\)/);
    const freed = await cli("workspace", "destroy", made.shift()!, "--force");
    expect(freed.code, freed.stderr).toBe(0);
    expect(await run.ended, run.out.stderr).toBe(0);
    const runs = JSON.parse(run.out.stdout) as { task: string; status: string; workspace: string }[];
    expect(runs.map((r) => r.status)).toEqual(["done", "done"]);
    made.push(...runs.map((r) => r.workspace));
    const list = JSON.parse((await cli("workspace", "list", "--json")).stdout).workspaces as {
      name: string;
      host?: string;
    }[];
    const hosts = runs.map((r) => list.find((w) => w.name === r.workspace)?.host).sort();
    expect(hosts).toEqual(["far", "lab"]);
  }, 900_000);

  it("Ctrl-C while waiting for a slot ends the run with the task interrupted and its claim released", async () => {
    const id = await task("never placed");
    const run = spawnRun(["ralph", "run", id, "--hosts", "lab,far", "-t", "slim"]);
    await run.waiting();
    run.child.kill("SIGINT");
    expect(await run.ended).toBe(1);
    expect(JSON.parse(run.out.stdout)).toMatchObject([{ task: id, status: "interrupted" }]);
    const shown = JSON.parse((await cli("task", "show", id, "--json")).stdout);
    expect(shown.history.at(-1)).toMatchObject({ type: "ralph_interrupted" });
    expect(Date.parse(shown.leaseExpiresAt)).toBeLessThan(Date.now());
    expect(shown.workspace ?? null).toBe(null);
  }, 300_000);
});
