import { join } from "node:path";
import { packageRoot } from "../../core/paths.js";
import { run } from "../../core/process.js";
import type { Report } from "../../core/report.js";
import type { ProjectContext } from "../../workspace/context.js";
import type { ProbeNames } from "./names.js";

export interface ProbeOptions {
  /** The template probe workspaces are made from (default node-postgres). */
  template: string;
  /** workspace-creation: the duration bar (the plan's 30 s). */
  maxDurationMs: number;
  /** multi-workspace: the context-switch bar (the plan's 10 s). */
  maxSwitchMs: number;
  /** tasks: the acceptance check of the tasks the scripted agent works (it satisfies the default). */
  check: string;
  /** recovery: restart the Docker daemon too (only when asked: it stops every container). */
  includeDaemonRestart: boolean;
}

export const DEFAULT_PROBE_OPTIONS: Omit<ProbeOptions, "template"> = {
  maxDurationMs: 30_000,
  maxSwitchMs: 10_000,
  check: "test -f probe-done.txt",
  includeDaemonRestart: false,
};

export interface ProbeRun {
  ctx: ProjectContext;
  names: ProbeNames;
  options: ProbeOptions;
  /** Where progress goes (`nexus probe` passes the printer). */
  report?: Report;
}

/** The installed CLI as a separate process: what a user (or an agent) really runs. */
export function nexusCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof run> {
  const cli = join(packageRoot(), "dist", "cli.js");
  return run(process.execPath, [cli, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
}
