import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runningOnHost, uniqueSleep, until } from "../../../test/helpers/processes.js";
import { runTethered, TETHER_SCRIPT } from "./tether.js";

/** A shell command line through the tether, its output gathered as the gate runner does. */
async function runShellGroup(
  command: string,
  options: { cwd: string; timeoutMs: number; signal?: AbortSignal },
) {
  const chunks: Buffer[] = [];
  const result = await runTethered(
    { kind: "host", cwd: options.cwd, env: process.env },
    {
      cmd: ["/bin/sh", "-c", `exec 2>&1\n${command}`],
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: (c) => chunks.push(c),
    },
  );
  return { ...result, output: Buffer.concat(chunks).toString() };
}

describe("runTethered on the host", () => {
  it("combines output and returns the exit code", async () => {
    const r = await runShellGroup("echo out; echo err >&2; exit 3", { cwd: "/tmp", timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, interrupted: false });
    expect(r.output).toContain("out");
    expect(r.output).toContain("err");
  });

  it("gives the command no stdin of ours", async () => {
    const r = await runShellGroup("cat; echo done", { cwd: "/tmp", timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 0, output: "done\n" });
  });

  it("ends the whole group at the timeout, children included", async () => {
    const m = uniqueSleep();
    const started = Date.now();
    const r = await runShellGroup(`${m} & ${m}; wait`, { cwd: "/tmp", timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await until(() => !runningOnHost(m), 8000)).toBe(true);
  });

  it("ends a command that ignores SIGTERM", async () => {
    const m = uniqueSleep();
    const r = await runShellGroup(`trap '' TERM; ${m}`, { cwd: "/tmp", timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(await until(() => !runningOnHost(m), 8000)).toBe(true);
  });

  it("ends on abort", async () => {
    const m = uniqueSleep();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await runShellGroup(m, { cwd: "/tmp", timeoutMs: 60_000, signal: controller.signal });
    expect(r.interrupted).toBe(true);
    expect(await until(() => !runningOnHost(m), 8000)).toBe(true);
  });

  it("leaves nothing behind when its parent is killed with SIGKILL", async () => {
    const m = uniqueSleep();
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `require("child_process").spawn("/bin/sh", ["-c", process.env.W, "t", "/dev/null", "/bin/sh", "-c", process.env.M], { stdio: ["pipe", "ignore", "ignore"], detached: true }); setInterval(() => {}, 1000);`,
      ],
      { env: { ...process.env, W: TETHER_SCRIPT, M: `${m} & ${m}; wait` }, stdio: "ignore" },
    );
    expect(await until(() => runningOnHost(m), 8000)).toBe(true);
    parent.kill("SIGKILL");
    expect(await until(() => !runningOnHost(m), 8000)).toBe(true);
  });
});
