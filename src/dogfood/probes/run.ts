import { UsageError } from "../../core/errors.js";
import type { Report } from "../../core/report.js";
import { type ProbeReport, type ProbeSummary, summarise } from "../report.js";
import { ProbeNames } from "./names.js";
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions, type ProbeRun } from "./run-context.js";

const PROBES = ["workspace-creation", "tasks", "multi-workspace", "recovery"] as const;
type ProbeName = (typeof PROBES)[number];

function checkProbeName(name: string): ProbeName[] {
  if (name === "all") return [...PROBES];
  if ((PROBES as readonly string[]).includes(name)) return [name as ProbeName];
  throw new UsageError(`Unknown probe "${name}".`, `Use one of: ${PROBES.join(", ")}, all.`);
}

async function runOne(name: ProbeName, run: ProbeRun): Promise<ProbeReport> {
  switch (name) {
    case "workspace-creation":
      return (await import("./workspace-creation.js")).probeWorkspaceCreation(run);
    case "tasks":
      return (await import("./tasks.js")).probeTasks(run);
    case "multi-workspace":
      return (await import("./multi-workspace.js")).probeMultiWorkspace(run);
    case "recovery":
      return (await import("./recovery.js")).probeRecovery(run);
  }
}

/**
 * Runs probes in order against the current repository: each makes `probe-<suffix>-N` workspaces
 * (and a sandbox clone for tasks), removes them whatever happens, and returns its report. The
 * results go into the command's telemetry event, where `nexus insights` finds failed ones.
 */
export async function runProbes(
  which: string,
  options: Partial<ProbeOptions> & { cwd?: string; report?: Report } = {},
): Promise<ProbeSummary> {
  const probes = checkProbeName(which);
  const { openProject } = await import("../../workspace/context.js");
  const { report } = options;
  const ctx = await openProject(options.cwd, { report });
  const run: ProbeRun = {
    ctx,
    names: new ProbeNames(ctx, undefined, report),
    report,
    options: { ...DEFAULT_PROBE_OPTIONS, template: "node-postgres", ...definedOnly(options) },
  };
  const reports: ProbeReport[] = [];
  try {
    for (const name of probes) {
      report?.info(`probe ${name}: running (workspaces ${run.names.suffix}-*)…`);
      reports.push(await runOne(name, run));
    }
  } finally {
    await run.names.cleanup();
  }
  const summary = summarise(reports);
  const { noteProbeResults } = await import("../../telemetry/probes.js");
  noteProbeResults(
    reports.map((r) => ({
      probe: r.probe,
      passed: r.passed,
      failed: r.success_criteria.filter((c) => !c.pass).map((c) => ({ name: c.name, detail: c.detail })),
    })),
  );
  return summary;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && k !== "cwd" && k !== "report"),
  ) as Partial<T>;
}
