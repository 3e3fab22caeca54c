import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskEvent } from "../../tasks/model.js";
import { errorText } from "../errors.js";
import { type Criterion, criterion, type ProbeReport, report } from "../report.js";
import type { ProbeRun } from "./run-context.js";
import { makeSandbox, type Sandbox } from "./sandbox.js";
import { evaluateOrder, type TaskTimeline } from "./tasks-eval.js";

interface Shown {
  id: string;
  title: string;
  status: string;
  history: TaskEvent[];
}

/** The plan's four task-management probes, each a real run of the CLI in a sandbox clone. */
export async function probeTasks(run: ProbeRun): Promise<ProbeReport> {
  const startedAt = new Date();
  const metrics: Record<string, number | string> = {};
  const criteria: Criterion[] = [];
  let box: Sandbox | undefined;
  try {
    box = await makeSandbox(run.ctx.paths.root, run.names.suffix);
    const sandbox = box;
    const steps: [string, () => Promise<Criterion>][] = [
      ["dependent_in_order_independent_in_parallel", () => parallelRun(sandbox, run.options.check, metrics)],
      ["survives_restart", () => survivesRestart(sandbox, metrics)],
      ["verification_catches_incomplete_work", () => catchesIncomplete(sandbox)],
      ["rejection_tracked_in_history_and_patterns", () => rejectionTracked(sandbox)],
    ];
    for (const [name, step] of steps) {
      const start = performance.now();
      criteria.push(await step().catch((error: unknown) => criterion(name, false, errorText(error))));
      metrics[`${name}_ms`] = Math.round(performance.now() - start);
    }
  } catch (error) {
    criteria.push(criterion("sandbox_created", false, errorText(error)));
  } finally {
    box?.remove();
  }
  metrics.errors_encountered = criteria.filter((c) => !c.pass).length;
  return report("tasks", startedAt, metrics, criteria);
}

const create = (box: Sandbox, ...args: string[]) =>
  box.json<{ id: string }>("task", "create", ...args).then((t) => t.id);

async function survivesRestart(box: Sandbox, metrics: Record<string, number | string>): Promise<Criterion> {
  const id = await create(box, "probe: survives a restart", "--check", "true");
  for (const f of ["nexus.db", "nexus.db-wal", "nexus.db-shm"])
    rmSync(join(box.root, ".nexus", f), { force: true });
  const start = performance.now();
  const shown = await box.json<Shown>("task", "show", id);
  metrics.restart_read_ms = Math.round(performance.now() - start);
  const ok = shown.title === "probe: survives a restart" && shown.status === "open";
  return criterion(
    "survives_restart",
    ok,
    ok
      ? `${id} read back by a new process after the database was deleted`
      : `read back as ${shown.status} "${shown.title}"`,
  );
}

async function catchesIncomplete(box: Sandbox): Promise<Criterion> {
  const id = await create(box, "probe: incomplete work", "--check", "test -f never-created.probe");
  await box.nexus("task", "start", id);
  const completed = await box.nexus("task", "complete", id);
  const shown = await box.json<Shown>("task", "show", id);
  const ok = completed.exitCode !== 0 && shown.status !== "done";
  return criterion(
    "verification_catches_incomplete_work",
    ok,
    `\`task complete\` exited ${completed.exitCode}; the task is ${shown.status}`,
  );
}

async function rejectionTracked(box: Sandbox): Promise<Criterion> {
  const reason = "probe: rejected on purpose";
  const id = await create(box, "probe: needs review", "--check", "true", "--review");
  await box.nexus("task", "start", id);
  await box.nexus("task", "complete", id);
  const rejected = await box.nexus("task", "reject", id, "--reason", reason, "--by", "probe-reviewer");
  const shown = await box.json<Shown>("task", "show", id);
  const patterns = await box.json<{ kind: string; key: string; tasks: string[] }[]>(
    "task",
    "patterns",
    "--min",
    "1",
  );
  const inHistory = shown.history.some((e) => e.type.includes("reject") && (e.note ?? "").includes(reason));
  const inPatterns = patterns.some((p) => p.kind === "rejection" && p.tasks.includes(id));
  return criterion(
    "rejection_tracked_in_history_and_patterns",
    rejected.exitCode === 0 && inHistory && inPatterns,
    `reject exited ${rejected.exitCode}; in history: ${inHistory}; in \`task patterns\`: ${inPatterns}`,
  );
}

/** A → B (B depends on A) and C independent, worked by `ralph run --parallel 2` with a scripted agent. */
async function parallelRun(
  box: Sandbox,
  check: string,
  metrics: Record<string, number | string>,
): Promise<Criterion> {
  const a = await create(box, "probe: first", "--check", check);
  const b = await create(box, "probe: after first", "--check", check, "--depends", a);
  const c = await create(box, "probe: independent", "--check", check);
  const agent = join(box.root, "..", "agent.sh");
  writeFileSync(agent, 'sleep 1\necho "$NEXUS_TASK_ID" > probe-done.txt\n');
  const start = performance.now();
  const ran = await box.nexus(
    "ralph",
    "run",
    "--parallel",
    "2",
    "--template",
    "none",
    // The probe is about ordering, with a scripted agent on the host (no image to build or pull).
    "--on-host",
    "--max-iterations",
    "2",
    "--agent-cmd",
    `sh ${agent}`,
    "--json",
  );
  metrics.ralph_run_ms = Math.round(performance.now() - start);
  const states =
    ran.exitCode <= 1 && ran.stdout.trim()
      ? (JSON.parse(ran.stdout) as { task: string; workspace: string }[])
      : [];
  const timeline = async (id: string): Promise<TaskTimeline> => {
    const shown = await box.json<Shown>("task", "show", id);
    return {
      id,
      status: shown.status,
      workspace: states.find((s) => s.task === id)?.workspace,
      startedAt: shown.history.find((e) => e.to === "in_progress")?.at,
      doneAt: shown.history.find((e) => e.to === "done")?.at,
    };
  };
  return evaluateOrder(
    { first: await timeline(a), dependent: await timeline(b), independent: await timeline(c) },
    ran.stderr,
  );
}
