import { errorText } from "../errors.js";
import { type ProbeReport, report } from "../report.js";
import { checkedOutBranch, imageIds, newImages, unreachable } from "./checks.js";
import { creationMetrics, evaluateCreation, type Stage } from "./creation-eval.js";
import type { ProbeRun } from "./run-context.js";

/** Creates one workspace from the template as a user would, measures every stage, and removes it. */
export async function probeWorkspaceCreation(run: ProbeRun): Promise<ProbeReport> {
  const startedAt = new Date();
  const { ctx, options } = run;
  const name = await run.names.next();
  const stages: Stage[] = [];
  const errors: string[] = [];
  const before = await imageIds();
  const start = performance.now();
  const { createWorkspace } = await import("../../workspace/manager.js");
  const created = await createWorkspace(ctx, {
    name,
    template: options.template,
    onStage: (stage, ms, detail) => stages.push({ stage, ms, ...detail }),
    report: run.report,
  }).catch((error: unknown) => {
    errors.push(errorText(error));
    return undefined;
  });
  const totalMs = performance.now() - start;
  const facts = {
    stages,
    totalMs,
    newImages: newImages(before, await imageIds()),
    ports: created?.ports.length ?? 0,
    errors,
    unreachable: created ? await unreachable(ctx, name) : [],
    branch: {
      expected: created?.workspace.branch ?? `nexus/${name}`,
      checkedOut: created ? await checkedOutBranch(created.workspace.worktreePath) : undefined,
    },
  };
  await run.names.cleanup();
  return report(
    "workspace-creation",
    startedAt,
    { template: options.template, ...creationMetrics(facts) },
    evaluateCreation(facts, { maxDurationMs: options.maxDurationMs }),
  );
}
