import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { git } from "../../core/git.js";
import type { ProjectContext } from "../../workspace/context.js";
import { errorText } from "../errors.js";
import { type ProbeReport, report } from "../report.js";
import { checkedOutBranch } from "./checks.js";
import { evaluateMulti, type MultiFacts } from "./multi-eval.js";
import { databaseSees, postgresService } from "./postgres.js";
import { nexusCli, type ProbeRun } from "./run-context.js";

const COUNT = 3;

/** Three workspaces from one template at once: branches, databases and ports kept apart. */
export async function probeMultiWorkspace(run: ProbeRun): Promise<ProbeReport> {
  const startedAt = new Date();
  const names = [await run.names.next(), await run.names.next(), await run.names.next()];
  const start = performance.now();
  const { createWorkspace } = await import("../../workspace/manager.js");
  const results = await Promise.allSettled(
    names.map((name) =>
      createWorkspace(run.ctx, { name, template: run.options.template, report: run.report }),
    ),
  );
  const createMs = performance.now() - start;
  const errors = results.flatMap((r) => (r.status === "rejected" ? [errorText(r.reason)] : []));
  const facts: MultiFacts = { count: COUNT, createMs, errors, branches: [], ports: [], switchesMs: [] };
  try {
    if (!errors.length) await measure(run, names, facts);
  } catch (error) {
    errors.push(errorText(error));
  } finally {
    await run.names.cleanup();
  }
  return report(
    "multi-workspace",
    startedAt,
    metricsOf(facts, run.options.template),
    evaluateMulti(facts, run.options),
  );
}

async function measure(run: ProbeRun, names: string[], facts: MultiFacts): Promise<void> {
  const { ctx } = run;
  for (const name of names) {
    const record = ctx.store.get(name);
    // A commit in one workspace must not show up in the others.
    writeFileSync(join(record.worktreePath, `${name}.probe`), name);
    await git(["add", `${name}.probe`], record.worktreePath);
    await git(
      ["-c", "user.name=nexus probe", "-c", "user.email=probe@nexus.invalid", "commit", "-qm", "probe"],
      record.worktreePath,
    );
  }
  for (const name of names) {
    const record = ctx.store.get(name);
    let foreignFiles = 0;
    for (const other of names)
      if (other !== name && (await checkedIn(record.worktreePath, other))) foreignFiles++;
    facts.branches.push({
      name,
      expected: record.branch,
      checkedOut: await checkedOutBranch(record.worktreePath),
      foreignFiles,
    });
    facts.ports.push(...ctx.store.ports(name).map((p) => p.hostPort));
  }
  facts.databases = await databaseIsolation(ctx, names);
  facts.switchesMs = await contextSwitches(ctx, names);
}

async function checkedIn(worktree: string, other: string): Promise<boolean> {
  const out = await git(["ls-files", `${other}.probe`], worktree);
  return out.trim() !== "";
}

/** Each workspace creates a table named after itself; none may see another's. */
async function databaseIsolation(ctx: ProjectContext, names: string[]): Promise<MultiFacts["databases"]> {
  const service = await postgresService(ctx, names[0]!);
  if (!service) return undefined;
  const table = (name: string) => `probe_${name.replace(/-/g, "_")}`;
  for (const name of names) await databaseSees(ctx, name, service, `CREATE TABLE ${table(name)} (id int)`);
  let leaks = 0;
  for (const name of names) {
    for (const other of names) {
      if (other === name) continue;
      const seen = await databaseSees(
        ctx,
        name,
        service,
        `SELECT to_regclass('${table(other)}') IS NOT NULL`,
      );
      if (seen.trim() === "t") leaks++;
    }
  }
  return { service, leaks };
}

/** `workspace exec OTHER -- true` as a new process, round-robin: the time to switch workspaces. */
async function contextSwitches(ctx: ProjectContext, names: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const name of [...names, ...names]) {
    const start = performance.now();
    const result = await nexusCli(["workspace", "exec", name, "--", "true"], ctx.paths.root);
    times.push(result.exitCode === 0 ? Math.round(performance.now() - start) : Number.POSITIVE_INFINITY);
  }
  return times;
}

function metricsOf(facts: MultiFacts, template: string) {
  const finite = facts.switchesMs.filter(Number.isFinite);
  return {
    template,
    workspaces: facts.count,
    parallel_create_ms: Math.round(facts.createMs),
    distinct_ports: new Set(facts.ports).size,
    ports: facts.ports.length,
    database_leaks: facts.databases?.leaks ?? "n/a",
    context_switches: facts.switchesMs.length,
    context_switch_max_ms: finite.length ? Math.max(...finite) : 0,
    context_switch_avg_ms: finite.length ? Math.round(finite.reduce((a, b) => a + b, 0) / finite.length) : 0,
    errors_encountered: facts.errors.length,
  };
}
