import { rmSync } from "node:fs";
import { errorText } from "../errors.js";
import { type Criterion, type ProbeReport, report } from "../report.js";
import { unreachable } from "./checks.js";
import { restartDaemon } from "./daemon.js";
import { occupy } from "./occupy.js";
import { type Case, evaluateRecovery } from "./recovery-eval.js";
import type { ProbeRun } from "./run-context.js";
import { markWork, type Work, workLost } from "./work.js";

/** The plan's failure injections against one workspace, each followed by a check that nothing was lost. */
export async function probeRecovery(run: ProbeRun): Promise<ProbeReport> {
  const startedAt = new Date();
  const name = await run.names.next();
  const cases: Case[] = [];
  let setupError: string | undefined;
  try {
    const { createWorkspace } = await import("../../workspace/manager.js");
    await createWorkspace(run.ctx, { name, template: run.options.template, report: run.report });
    const work = await markWork(run.ctx, name);
    cases.push(await attempt("container_kill", () => killContainer(run, name), run, work));
    cases.push(await attempt("worktree_deleted", () => deleteWorktree(run, name), run, work));
    cases.push(await attempt("port_occupied", () => portOccupied(run, name), run, work));
    if (run.options.includeDaemonRestart)
      cases.push(await attempt("daemon_restart", () => daemonRestart(run, name), run, work));
  } catch (error) {
    setupError = errorText(error);
  } finally {
    await run.names.cleanup();
  }
  const criteria: Criterion[] = evaluateRecovery(cases, setupError);
  const metrics = Object.fromEntries([
    ["template", run.options.template],
    ...cases.map((c) => [`${c.name}_recovery_ms`, c.ms]),
    ["errors_encountered", cases.filter((c) => c.error).length + (setupError ? 1 : 0)],
  ]);
  return report("recovery", startedAt, metrics, criteria);
}

/** Runs one injection and its recovery, then checks the services and the work. */
async function attempt(
  name: string,
  inject: () => Promise<string>,
  run: ProbeRun,
  work: Work,
): Promise<Case> {
  const start = performance.now();
  try {
    const detail = await inject();
    const ms = Math.round(performance.now() - start);
    const problems = await unreachable(run.ctx, work.workspace);
    const lost = await workLost(run.ctx, work);
    return { name, ms, detail, unreachable: problems, lost };
  } catch (error) {
    return {
      name,
      ms: Math.round(performance.now() - start),
      detail: "",
      unreachable: [],
      lost: [],
      error: errorText(error),
    };
  }
}

async function killContainer(run: ProbeRun, name: string): Promise<string> {
  const { getDocker } = await import("../../workspace/engine/docker.js");
  const { listServices } = await import("../../workspace/engine/containers.js");
  const docker = await getDocker();
  const services = await listServices({ repoId: run.ctx.repoId, workspace: name });
  for (const s of services) await docker.getContainer(s.id).kill();
  const { upWorkspace } = await import("../../workspace/manager.js");
  await upWorkspace(run.ctx, name, { report: run.report });
  return `killed ${services.length} container(s), \`up\` restarted them`;
}

async function deleteWorktree(run: ProbeRun, name: string): Promise<string> {
  const { listWorkspaces } = await import("../../workspace/inspect.js");
  const { repairWorkspace } = await import("../../workspace/maintenance.js");
  rmSync(run.ctx.store.get(name).worktreePath, { recursive: true, force: true });
  const listed = (await listWorkspaces(run.ctx, { disk: false })).workspaces.find((w) => w.name === name);
  if (!listed?.drift.includes("worktree missing"))
    throw new Error(
      `\`list\` did not report the deleted worktree (drift: ${listed?.drift.join(", ") || "none"})`,
    );
  const repaired = await repairWorkspace(run.ctx, name, { report: run.report });
  return `\`list\` showed "worktree missing"; \`repair\`: ${repaired.actions.join(", ")}`;
}

async function portOccupied(run: ProbeRun, name: string): Promise<string> {
  const { downWorkspace, upWorkspace } = await import("../../workspace/manager.js");
  const port = run.ctx.store.ports(name)[0];
  if (!port) return "no published port to occupy";
  await downWorkspace(run.ctx, name);
  const release = await occupy(port.hostPort);
  try {
    await upWorkspace(run.ctx, name, { report: run.report });
  } finally {
    await release();
  }
  const moved = run.ctx.store.ports(name).find((p) => p.name === port.name && p.service === port.service);
  if (!moved || moved.hostPort === port.hostPort)
    throw new Error(`port ${port.name} stayed on the occupied ${port.hostPort}`);
  return `${port.name} moved ${port.hostPort} → ${moved.hostPort}`;
}

async function daemonRestart(run: ProbeRun, name: string): Promise<string> {
  const how = await restartDaemon();
  const { upWorkspace } = await import("../../workspace/manager.js");
  await upWorkspace(run.ctx, name, { report: run.report });
  return `${how}; \`up\` started the workspace again`;
}
