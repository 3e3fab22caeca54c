import { NexusError } from "../../core/errors.js";
import { style } from "../../core/output.js";
import type { Report } from "../../core/report.js";
import type { ProjectContext } from "../context.js";
import { discard, runInContainer } from "../engine/exec.js";
import type { Environment } from "../environment/types.js";
import type { WorkspaceRecord } from "../store.js";
import type { Started } from "./runtime.js";

/** post-create once per workspace, post-start on every start: in the dev container, as the host user. */
export async function runPostCommands(args: {
  ctx: ProjectContext;
  env: Environment;
  started: Started;
  record: WorkspaceRecord;
  report?: Report;
}): Promise<void> {
  const { ctx, env, started, record } = args;
  if (!started.dev) return;
  const fresh = ctx.store.get(record.name);
  const commands = [...(fresh.postCreateDone ? [] : env.postCreate), ...env.postStart];
  const output = args.report?.output ?? discard();
  for (const command of commands) {
    const shown = typeof command === "string" ? command : command.join(" ");
    args.report?.info(`${style.dim("run")} ${shown}`);
    const code = await runInContainer({
      containerId: started.dev.id,
      cmd: typeof command === "string" ? ["/bin/sh", "-c", command] : command,
      workdir: env.workspaceFolder,
      user: started.user,
      env: Object.entries(env.remoteEnv).map(([k, v]) => `${k}=${v}`),
      stdout: output,
      stderr: output,
    });
    if (code !== 0) throw failed(ctx, record, { shown, code, source: env.source });
  }
  ctx.store.update(record.name, { postCreateDone: true });
}

function failed(
  ctx: ProjectContext,
  record: WorkspaceRecord,
  what: { shown: string; code: number; source: string },
): NexusError {
  ctx.store.update(record.name, { state: "error" });
  return new NexusError(`Command \`${what.shown}\` failed with exit code ${what.code} in ${record.name}.`, {
    category: "docker",
    hint: `Fix the command (post-create/post-start in ${what.source}) or the project, then retry; during \`create\` the workspace was removed again, during \`up\` it is kept.`,
  });
}
