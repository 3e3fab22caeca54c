import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./helpers/cli.js";
import { dockerAvailable, execCapture } from "./helpers/docker.js";
import { runningOnHost, uniqueSleep, until } from "./helpers/processes.js";
import { initialisedRepo, SLIM_TEMPLATE } from "./helpers/workspaces.js";

/** A workspace name no other run on the shared engine uses at the same time. */
const WORKSPACE = `gates-end-${randomInt(1, 1_000_000).toString(36)}`;

describe("a gate in a workspace's dev container that does not end", () => {
  const { repo, made } = initialisedRepo((dir) => {
    mkdirSync(join(dir, ".nexus/templates/slim"), { recursive: true });
    writeFileSync(join(dir, ".nexus/templates/slim/compose.yaml"), SLIM_TEMPLATE);
  });

  async function containerHas(pattern: string): Promise<boolean> {
    const list = 'for p in /proc/[0-9]*; do tr "\\0" " " < "$p/cmdline" 2>/dev/null; echo; done';
    return (await execCapture(WORKSPACE, "dev", ["/bin/sh", "-c", list], repo())).stdout.includes(pattern);
  }

  it("is stopped at --timeout and on SIGKILL, in the container and on the host, the task unchanged", async () => {
    expect(await dockerAvailable()).toBe(true);
    made.push(WORKSPACE);
    const created = await runCli(["workspace", "create", WORKSPACE, "--template", "slim"], repo());
    expect(created.code, created.stderr).toBe(0);
    const check = uniqueSleep();
    const create = ["task", "create", "hangs in the container", "--check", check, "-w", WORKSPACE, "--json"];
    const id = JSON.parse((await runCli(create, repo())).stdout).id;
    await runCli(["task", "start", id], repo());
    const before = (await runCli(["task", "show", id, "--json"], repo())).stdout;

    const started = Date.now();
    const result = await spawnCli(["task", "complete", id, "--timeout", "2"], repo());
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain("did not finish within 2 s");
    expect(await until(() => !runningOnHost(check))).toBe(true);
    expect(await until(async () => !(await containerHas(check)))).toBe(true);

    const cli = new URL("../dist/cli.js", import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, "task", "complete", id], { cwd: repo(), stdio: "ignore" });
    const deadline = Date.now() + 15_000;
    while (!(await containerHas(check)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await containerHas(check)).toBe(true);
    child.kill("SIGKILL");
    const gone = Date.now() + 10_000;
    while ((await containerHas(check)) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(await containerHas(check)).toBe(false);
    expect((await runCli(["task", "show", id, "--json"], repo())).stdout).toBe(before);
  });
});
