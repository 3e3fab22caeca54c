import type { Command } from "commander";
import { info, printJson, success } from "../core/output.js";
import { jsonOption, workspaceNamed } from "./common.js";

/** `pull` and `push`: a remote workspace's work comes back, and goes there, through git. */
export function registerSyncCommands(ws: Command): void {
  jsonOption(
    ws
      .command("pull [name]")
      .description("bring a remote workspace's commits on nexus/NAME into this repository (fast-forward)"),
  ).action(async (name: string | undefined, opts: { json?: boolean }) => {
    const { ctx, name: workspace } = await workspaceNamed(name);
    const { pullWorkspace } = await import("../workspace/remote/workspace.js");
    const result = await pullWorkspace(ctx, workspace);
    if (opts.json) return printJson(result);
    if (!result.commits) return info(`nexus/${workspace} is up to date with the host.`);
    success(`${result.commits} commit(s) pulled into nexus/${workspace} (now ${result.after.slice(0, 12)}).`);
  });
  jsonOption(
    ws
      .command("push [name]")
      .description("send this repository's commits on nexus/NAME to the remote workspace"),
  ).action(async (name: string | undefined, opts: { json?: boolean }) => {
    const { ctx, name: workspace } = await workspaceNamed(name);
    const { pushWorkspace } = await import("../workspace/remote/workspace.js");
    const result = await pushWorkspace(ctx, workspace);
    if (opts.json) return printJson(result);
    if (result.before === result.after) return info(`The host already has nexus/${workspace}.`);
    success(`nexus/${workspace} pushed to the host (now ${result.after.slice(0, 12)}).`);
  });
}
