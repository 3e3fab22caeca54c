import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ralphOnHost, runCli, spawnCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";
import { runningOnHost, uniqueSleep, until } from "./helpers/processes.js";

async function startedTask(check: string): Promise<{ repo: string; id: string; before: string }> {
  const home = isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const id = JSON.parse(
    (await runCli(["task", "create", "hangs", "--check", check, "--json"], repo)).stdout,
  ).id;
  await runCli(["task", "start", id], repo);
  const before = (await runCli(["task", "show", id, "--json"], repo)).stdout;
  expect(home).toBeTruthy();
  return { repo, id, before };
}

describe("a gate that does not end", () => {
  it("is stopped at --timeout, the task left as it was and no process behind", async () => {
    const check = uniqueSleep();
    const { repo, id, before } = await startedTask(check);
    const started = Date.now();
    const result = await spawnCli(["task", "complete", id, "--timeout", "2"], repo);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("did not finish within 2 s");
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(await until(() => !runningOnHost(check))).toBe(true);
    expect((await runCli(["task", "show", id, "--json"], repo)).stdout).toBe(before);
  });

  it("takes its timeout from tasks.gate_timeout", async () => {
    const check = uniqueSleep();
    const { repo, id } = await startedTask(check);
    // init writes the tasks block last: the key goes into it.
    appendFileSync(join(repo, ".nexus", "config.yaml"), "  gate_timeout: 1\n");
    const result = await spawnCli(["task", "complete", id], repo);
    expect(result.stderr).toContain("did not finish within 1 s");
    expect(await until(() => !runningOnHost(check))).toBe(true);
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    it(`ends with nothing left and the task unchanged on ${signal}`, async () => {
      const check = uniqueSleep();
      const { repo, id, before } = await startedTask(check);
      const cli = new URL("../dist/cli.js", import.meta.url).pathname;
      const child = spawn(process.execPath, [cli, "task", "complete", id], { cwd: repo, stdio: "ignore" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      expect(await until(() => runningOnHost(check))).toBe(true);
      child.kill(signal);
      const code = await exited;
      if (signal === "SIGINT") expect(code).toBe(130);
      expect(await until(() => !runningOnHost(check))).toBe(true);
      expect((await runCli(["task", "show", id, "--json"], repo)).stdout).toBe(before);
    });
  }
});

describe("a gate that does not end, in the Ralph loop", () => {
  it("is stopped, records nothing, and comes back to the agent as the iteration's failure", async () => {
    const check = uniqueSleep();
    isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    appendFileSync(join(repo, ".nexus", "config.yaml"), "  gate_timeout: 1\n");
    const id = JSON.parse(
      (await runCli(["task", "create", "hangs", "--check", check, "--json"], repo)).stdout,
    ).id;
    const run = await ralphOnHost(repo, id, "true", "--max-iterations", "1", "--json");
    expect(run.stdout, run.stderr).not.toBe("");
    const [state] = JSON.parse(run.stdout);
    expect(state.iterations[0]).toMatchObject({ passed: false });
    expect(state.iterations[0].failures[0]).toContain("did not finish within 1 s");
    expect(await until(() => !runningOnHost(check))).toBe(true);
    const after = JSON.parse((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(after.history.map((e: { type: string }) => e.type)).not.toContain("gate_failed");
  });
});
