import { join } from "node:path";
import { agentsOf, assertAgentsInstalled } from "../agents/check.js";
import { isNexusError, UsageError } from "../core/errors.js";
import { emit } from "../core/events.js";
import { collectFeedback, saveFeedback } from "../skills/feedback.js";
import { learnFromPatterns, RECURRENCE } from "../skills/learn.js";
import type { TaskContext } from "../tasks/context.js";
import { claimTask } from "../tasks/operations.js";
import { failurePatterns } from "../tasks/patterns.js";
import { LOCAL } from "../workspace/remote/default-host.js";
import { type HostPool, hostPool, resolveHosts } from "./hosts.js";
import { type RalphOptions, runTask } from "./loop.js";
import type { RunState } from "./state.js";
import { checkDevContainers, checkTemplate } from "./workspace.js";

/**
 * Runs the given tasks, or claims ready tasks one after another, with up to `parallel` at once:
 * each worker claims atomically under its own agent name, so no task is ever worked twice.
 */
export async function runRalph(
  tc: TaskContext,
  options: RalphOptions & { taskIds: string[]; parallel: number; hosts?: string[] },
): Promise<RunState[]> {
  const pool = options.hosts && (await runHosts(tc, options));
  // On the host the programs are checked now; in a dev container, once its workspace is up.
  if (options.onHost) assertAgentsInstalled(agentsOf(options), tc.paths.root);
  await checkTemplate(tc, options.template);
  if (!options.onHost) await checkDevContainers(tc, options.taskIds, options.template);
  const queue = [...options.taskIds];
  const results: RunState[] = [];
  const worker = async (index: number) => {
    const agentName = options.parallel > 1 ? `${options.agentName}-${index + 1}` : options.agentName;
    while (!options.signal?.aborted) {
      const id = options.taskIds.length ? queue.shift() : claimNext(tc, agentName);
      if (!id) return;
      // The worker acts as its agent: the lease it claims is its own, and so is the completion.
      results.push(await runTask({ ...tc, actor: agentName }, id, { ...options, agentName, pool }));
    }
  };
  const started = new Date().toISOString();
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, (_, i) => worker(i)));
  afterRun(tc, started, options);
  const iterations = results.flatMap((r) =>
    r.iterations.map((i) => ({
      status: r.status,
      agentExitCode: i.agentExitCode,
      passed: i.passed,
      changed: i.changed,
      ms: i.durationMs,
    })),
  );
  emit({ name: "note", data: { raw: { runs: results.length, iterations } } });
  return results;
}

/** `--hosts`: known hosts (or `local`), checked before anything is claimed; where new workspaces go. */
async function runHosts(tc: TaskContext, options: RalphOptions & { hosts?: string[] }): Promise<HostPool> {
  const hosts = await resolveHosts(options.hosts ?? []);
  if (options.onHost && hosts.some((h) => h.name !== LOCAL))
    throw new UsageError(
      "--on-host runs the agent on this machine, but --hosts places workspaces on remote hosts.",
      "Leave out --on-host (the agent runs in each workspace's dev container), or use --hosts local.",
    );
  if (options.land && hosts.some((h) => h.name !== LOCAL))
    throw new UsageError(
      "--land lands on this machine, but --hosts places workspaces on remote hosts (their work is not here).",
      "Leave out --land and land the work afterwards with `nexus land` (it pulls it from the hosts), or use --hosts local.",
    );
  return hostPool(hosts, () => tc.project.store.list(), options.report);
}

function claimNext(tc: TaskContext, agent: string): string | undefined {
  try {
    return claimTask(tc, { agent }).id;
  } catch (error) {
    if (isNexusError(error) && error.category === "not_found") return undefined;
    throw error;
  }
}

/** Every run ends by recording session feedback and teaching the skills what keeps failing. */
function afterRun(tc: TaskContext, since: string, options: RalphOptions): void {
  const tasks = tc.store.all();
  saveFeedback(tc.db, collectFeedback(tasks, { since, source: "ralph run" }));
  const changed = learnFromPatterns(join(tc.paths.nexusDir, "skills"), failurePatterns(tasks, RECURRENCE));
  for (const skill of changed)
    options.report?.info(`skill ${skill} updated from a recurring failure (see \`nexus skills diff\`)`);
}
