import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

afterEach(() => {
  delete process.env.DOCKER_HOST;
});

const json = (text: string) => JSON.parse(text);

/** Issue 19: the user's own red command, a lost claim race and a failed gate are not Nexus failures. */
describe("telemetry outcomes", () => {
  it("records exec's passed-through exit, a lost claim race and a failed gate, and counts none as a failure", async () => {
    const home = isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    expect((await runCli(["workspace", "create", "w1", "-t", "none"], repo)).code).toBe(0);
    // The user's own failing command: its exit code is passed through.
    expect((await runCli(["workspace", "exec", "w1", "--", "sh", "-c", "exit 3"], repo)).code).toBe(3);
    // Two agents race for one task in two processes: exactly one wins, the other is refused.
    const task = json((await runCli(["task", "create", "Red", "--check", "false", "--json"], repo)).stdout);
    const env = { HOME: home, NEXUS_HOME: join(home, ".nexus") };
    const claims = await Promise.all(
      ["alice", "bob"].map((agent) => spawnCli(["task", "claim", task.id, "--agent", agent], repo, env)),
    );
    expect(claims.map((c) => c.code).sort()).toEqual([0, 1]);
    const winner = claims[0]!.code === 0 ? "alice" : "bob";
    // A gate that fails: the task is not completed, which is the gate's job.
    expect((await runCli(["task", "complete", task.id, "--by", winner], repo)).code).toBe(1);
    // One real Nexus failure, for contrast: the engine cannot be reached.
    process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
    expect((await runCli(["workspace", "create", "w2", "-t", "node-postgres"], repo)).code).toBe(1);
    delete process.env.DOCKER_HOST;

    const db = new Database(join(home, ".nexus", "telemetry.db"), { readonly: true });
    const rows = db
      .prepare(
        "SELECT command, exit_code, error_category, outcome FROM events WHERE event_type = 'command' AND exit_code <> 0 ORDER BY id",
      )
      .all();
    db.close();
    expect(rows).toEqual([
      { command: "workspace exec", exit_code: 3, error_category: null, outcome: "passed_through" },
      { command: "task claim", exit_code: 1, error_category: "conflict", outcome: "refused" },
      { command: "task complete", exit_code: 1, error_category: "gate_failed", outcome: "gate_failed" },
      { command: "workspace create", exit_code: 1, error_category: "docker_unavailable", outcome: "failed" },
    ]);

    const stats = json((await runCli(["stats", "--days", "1", "--json"], repo)).stdout);
    expect(stats.outcomes).toMatchObject({ failed: 1, refused: 1, passed_through: 1, gate_failed: 1 });
    expect(stats.failureRate).toBeCloseTo(1 / stats.commands);
    expect(stats.errors).toEqual([{ category: "docker_unavailable", count: 1 }]);
    expect(stats.refusals).toEqual([{ category: "conflict", count: 1 }]);
    const byCommand = (name: string) => stats.byCommand.find((c: { command: string }) => c.command === name);
    expect(byCommand("task claim")).toMatchObject({ count: 2, failures: 0, refused: 1 });
    expect(byCommand("workspace exec")).toMatchObject({ failures: 0, passedThrough: 1 });
    expect(byCommand("task complete")).toMatchObject({ failures: 0, gateFailed: 1 });
    const text = (await runCli(["stats", "--days", "1"], repo)).stdout;
    expect(text).toContain(
      "Not counted as failures: 1 refused (conflict 1), 1 passed through (your commands' own exits), 1 failed gates",
    );
    expect(text).toMatch(/COMMAND\s+COUNT\s+FAILED\s+REFUSED\s+PASSED THROUGH\s+GATE FAILED/);

    // Insights: no advice about the three, each shown as a note of its own.
    const insights = json((await runCli(["insights", "--json"], repo)).stdout);
    const kinds = Object.fromEntries(insights.map((i: { id: string; kind: string }) => [i.id, i.kind]));
    expect(kinds).toMatchObject({
      "outcome:refused": "note",
      "outcome:passed_through": "note",
      "outcome:gate_failed": "note",
    });
    for (const advice of ["error:conflict", "error:gate_failed", "improve:failure-rate"])
      expect(kinds[advice]).toBeUndefined();
    const dashboard = json((await runCli(["dashboard", "--days", "1", "--json"], repo)).stdout);
    expect(dashboard.stats.outcomes).toMatchObject({
      failed: 1,
      refused: 1,
      passed_through: 1,
      gate_failed: 1,
    });
    expect(dashboard.stats.refusals).toEqual([{ category: "conflict", count: 1 }]);
  });
});
