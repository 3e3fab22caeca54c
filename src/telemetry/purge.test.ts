import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";
import { gitRepo, isolatedHome } from "../../test/helpers/fs.js";

async function project() {
  const home = isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const events = () => {
    const db = new Database(join(home, ".nexus", "telemetry.db"), { readonly: true });
    try {
      return db.prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    } finally {
      db.close();
    }
  };
  return { repo, home, events };
}

const status = async (repo: string) =>
  JSON.parse((await runCli(["telemetry", "status", "--json"], repo)).stdout) as { recording: string };

describe("telemetry purge keeps recording as it was (issue 8)", () => {
  it("off, then purge --force: still off, says so, and records nothing afterwards", async () => {
    const { repo, home, events } = await project();
    await runCli(["telemetry", "off"], repo);
    const purge = await runCli(["telemetry", "purge", "--force"], repo);
    expect(purge.code).toBe(0);
    expect(purge.stderr).toContain("All telemetry deleted. Recording stays off");
    expect(existsSync(join(home, ".nexus", "telemetry.db"))).toBe(false);
    await runCli(["task", "list"], repo);
    expect((await status(repo)).recording).toBe("off");
    expect(events()).toBe(0);
  });

  it("on, then purge --force: on, says so, and records again", async () => {
    const { repo, events } = await project();
    const purge = await runCli(["telemetry", "purge", "--force"], repo);
    expect(purge.stderr).toContain("All telemetry deleted. Recording is on");
    await runCli(["task", "list"], repo);
    expect((await status(repo)).recording).toBe("on");
    expect(events()).toBe(2);
  });

  it("telemetry on after a purge while off turns recording back on", async () => {
    const { repo, home, events } = await project();
    await runCli(["telemetry", "off"], repo);
    await runCli(["telemetry", "purge", "--force"], repo);
    await runCli(["telemetry", "on"], repo);
    expect(existsSync(join(home, ".nexus", "telemetry.off"))).toBe(false);
    await runCli(["task", "list"], repo);
    expect((await status(repo)).recording).toBe("on");
    expect(events()).toBeGreaterThan(0);
  });
});
