import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();
const json = (text: string) => JSON.parse(text);

/** A project on its own port range, so other tests' workspaces never cost a second bind probe. */
async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const config = join(repo, ".nexus/config.yaml");
  const start = 50_000 + Math.floor(Math.random() * 150) * 100;
  writeFileSync(
    config,
    readFileSync(config, "utf8").replace(
      /start: 41000\n {2}end: 41999/,
      `start: ${start}\n  end: ${start + 99}`,
    ),
  );
  const template = join(repo, ".nexus/templates/never-healthy");
  mkdirSync(template, { recursive: true });
  writeFileSync(
    join(template, "compose.yaml"),
    `services:
  app:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      timeout: 1s
      retries: 1
      start_period: 0s
x-nexus:
  description: a service that never becomes healthy
`,
  );
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init");
  return repo;
}

function criteria(report: { success_criteria: { name: string; pass: boolean; detail: string }[] }) {
  return Object.fromEntries(report.success_criteria.map((c) => [c.name, c]));
}

describe.skipIf(!hasDocker)("nexus probe against the real Docker Engine", () => {
  let repo: string;
  beforeAll(async () => {
    repo = await project();
  });

  it("workspace-creation passes with node-postgres and leaves nothing behind", async () => {
    const result = await runCli(["probe", "workspace-creation", "--json"], repo);
    const report = json(result.stdout);
    expect(report.passed, JSON.stringify(report.success_criteria)).toBe(true);
    expect(result.code).toBe(0);
    expect(report.metrics).toMatchObject({ errors_encountered: 0, ports: 3 });
    expect(report.metrics.total_duration_ms).toBeGreaterThan(0);
    const listed = json((await runCli(["workspace", "list", "--json"], repo)).stdout);
    expect(listed.workspaces ?? listed).toHaveLength(0);
    expect(git(repo, "branch", "--list", "nexus/probe-*")).toBe("");
  });

  it("workspace-creation fails with the reason when a service never becomes healthy, and insights shows it", async () => {
    const result = await runCli(["probe", "workspace-creation", "--template", "never-healthy"], repo);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("probe: workspace-creation");
    expect(result.stdout).toMatch(/no_errors:\n\s+result: fail\n\s+detail: .*Service app is unhealthy/);
    const c = criteria(
      json((await runCli(["probe", "workspace-creation", "-t", "never-healthy", "--json"], repo)).stdout),
    );
    expect(c.services_reachable_first_try!.pass).toBe(false);
    expect(c.branch_created_and_checked_out!.pass).toBe(false);
    const insights = json((await runCli(["insights", "--json"], repo)).stdout);
    expect(insights.find((i: { id: string }) => i.id === "probe:workspace-creation").description).toContain(
      "no_errors",
    );
  });

  it("workspace-creation fails the duration criterion under a bar nothing can meet", async () => {
    const result = await runCli(["probe", "workspace-creation", "--max-duration", "0.001", "--json"], repo);
    expect(result.code).toBe(1);
    expect(criteria(json(result.stdout)).duration_under_limit!.pass).toBe(false);
  });

  it("multi-workspace passes: branches, databases and ports apart, switching quick", async () => {
    const result = await runCli(["probe", "multi-workspace", "--json"], repo);
    const report = json(result.stdout);
    expect(report.passed, JSON.stringify(report.success_criteria)).toBe(true);
    expect(report.metrics).toMatchObject({ workspaces: 3, database_leaks: 0, distinct_ports: 9 });
  });

  it("recovery passes: killed containers, a deleted worktree and a taken port all recover with nothing lost", async () => {
    const result = await runCli(["probe", "recovery", "--json"], repo);
    const report = json(result.stdout);
    expect(report.passed, JSON.stringify(report.success_criteria)).toBe(true);
    expect(Object.keys(criteria(report))).toEqual([
      "container_kill_recovered",
      "worktree_deleted_recovered",
      "port_occupied_recovered",
      "nothing_lost",
    ]);
  });
});

describe("nexus probe tasks (git and processes only)", () => {
  it("passes the plan's four task probes without touching the project's tasks", async () => {
    const repo = await project();
    await runCli(["task", "create", "The user's own task", "--check", "true"], repo);
    const before = readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8");
    const result = await runCli(["probe", "tasks"], repo);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const name of [
      "dependent_in_order_independent_in_parallel",
      "survives_restart",
      "verification_catches_incomplete_work",
      "rejection_tracked_in_history_and_patterns",
    ])
      expect(result.stdout).toMatch(new RegExp(`${name}:\\n\\s+result: pass`));
    expect(readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8")).toBe(before);
  });

  it("fails when the tasks' check can never pass: nothing reaches done", async () => {
    const repo = await project();
    const result = await runCli(["probe", "tasks", "--check", "false", "--json"], repo);
    expect(result.code).toBe(1);
    const c = criteria(json(result.stdout)).dependent_in_order_independent_in_parallel!;
    expect(c).toMatchObject({ pass: false });
    expect(c.detail).toContain("not done");
  });

  it("refuses an unknown probe with exit code 2", async () => {
    const repo = await project();
    const result = await runCli(["probe", "everything"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("workspace-creation, tasks, multi-workspace, recovery, all");
  });
});
