import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { initialisedRepo } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();

/** A project template with one service whose health test passes once /tmp/ready exists. */
function template(repo: string, name: string, command: string): void {
  const dir = join(repo, ".nexus/templates", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "compose.yaml"),
    [
      "services:",
      "  app:",
      "    image: debian:bookworm-slim",
      `    command: ["sh", "-c", ${JSON.stringify(command)}]`,
      "    init: true",
      "    healthcheck:",
      '      test: ["CMD", "test", "-f", "/tmp/ready"]',
      // Docker itself would not run the test for an hour: only Nexus's own probes can see it pass.
      "      interval: 1h",
      "      start_period: 1h",
      "x-nexus:",
      "  dev_service: app",
    ].join("\n"),
  );
}

describe.skipIf(!hasDocker)("health waits on a real engine", () => {
  const { repo, made } = initialisedRepo((dir) => {
    template(dir, "slow-ready", "sleep 1; touch /tmp/ready; exec sleep infinity");
    template(dir, "dies", "sleep 1; exit 3");
  });

  it("sees a service become healthy by running its test itself, long before Docker's interval", async () => {
    made.push("ready");
    const started = performance.now();
    const created = await runCli(["workspace", "create", "ready", "-t", "slow-ready"], repo());
    expect(created.code, created.stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(30_000);
    const ready = await runCli(["workspace", "exec", "ready", "--", "test", "-f", "/tmp/ready"], repo());
    expect(ready.code).toBe(0);
  });

  it("says which service stopped, with its exit code, instead of waiting for its health", async () => {
    made.push("dead");
    const created = await runCli(["workspace", "create", "dead", "-t", "dies"], repo());
    expect(created.code).not.toBe(0);
    expect(created.stderr).toMatch(/Service app is not running \(exit code 3\)/);
    expect(created.stderr).toContain("nexus workspace logs dead app");
    expect(created.stderr).not.toMatch(/\n\s+at /);
  });
});
