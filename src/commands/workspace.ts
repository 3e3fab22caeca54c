import type { Command } from "commander";
import {
  debug,
  formatBytes,
  formatSeconds,
  info,
  printer,
  printJson,
  printLine,
  printTable,
  style,
  success,
  warn,
} from "../core/output.js";
import type { WorkspaceSummary } from "../workspace/manager.js";
import { collect, jsonOption, project, workspaceNamed } from "./common.js";
import { printEnv, printSsh, registerAccessCommands } from "./workspace-access.js";
import { registerSyncCommands } from "./workspace-sync.js";

export function registerWorkspace(program: Command): void {
  const ws = program
    .command("workspace")
    .alias("ws")
    .description("isolated worktree + containers per feature");
  defineCreate(ws);
  defineUp(ws);
  defineDown(ws);
  defineDestroy(ws);
  defineList(ws);
  defineStatus(ws);
  defineRepair(ws);
  definePrune(ws);
  registerAccessCommands(ws);
  registerSyncCommands(ws);
}

const PROFILE_HELP = "also start the compose file's services of this Compose profile (repeatable)";

function defineCreate(ws: Command): void {
  jsonOption(
    ws
      .command("create <name>")
      .description("create a workspace: worktree on branch nexus/NAME, containers, ports, SSH"),
  )
    .option("-t, --template <template>", "template name, or `none` for a worktree only")
    .option("--from <branch>", "start the branch from this branch, tag or commit (default: HEAD)")
    .option("--profile <name>", PROFILE_HELP, collect, [])
    .option("--host <host>", "make it on this remote host (`nexus host add`), not on this machine")
    .action(
      async (
        name: string,
        opts: { template?: string; from?: string; profile: string[]; host?: string; json?: boolean },
      ) => {
        const ctx = await project();
        const { createWorkspace } = await import("../workspace/manager.js");
        const started = performance.now();
        const result = await createWorkspace(ctx, {
          name,
          template: opts.template,
          from: opts.from,
          profiles: opts.profile,
          host: opts.host,
          onStage: reportStage,
          report: printer,
        });
        if (opts.json) return printJson(result);
        success(`Workspace ${style.bold(name)} ready in ${formatSeconds(performance.now() - started)}`);
        await printSummary(result);
      },
    );
}

function defineUp(ws: Command): void {
  jsonOption(
    ws
      .command("up [name]")
      .alias("start")
      .description("start a workspace's containers (recreating any that are missing)")
      .option("--profile <name>", `${PROFILE_HELP}; kept for later starts`, collect, []),
  ).action(async (name: string | undefined, opts: { profile: string[]; json?: boolean }) => {
    const { upWorkspace } = await import("../workspace/manager.js");
    const ws = await workspaceNamed(name);
    const started = performance.now();
    const result = await upWorkspace(ws.ctx, ws.name, {
      onStage: reportStage,
      profiles: opts.profile,
      report: printer,
    });
    if (opts.json) return printJson(result);
    success(
      `Workspace ${style.bold(result.workspace.name)} up in ${formatSeconds(performance.now() - started)}`,
    );
    await printSummary(result);
  });
}

function defineDown(ws: Command): void {
  ws.command("down [name]")
    .alias("stop")
    .description("stop a workspace's containers (data and ports are kept)")
    .action(async (name: string | undefined) => {
      const { downWorkspace } = await import("../workspace/manager.js");
      const { ctx, name: workspace } = await workspaceNamed(name);
      const stopped = await downWorkspace(ctx, workspace);
      success(
        `Workspace ${workspace} stopped (${stopped.length} container${stopped.length === 1 ? "" : "s"}).`,
      );
    });
}

function defineDestroy(ws: Command): void {
  ws.command("destroy [name]")
    .description("remove a workspace's containers, volumes, worktree and SSH entry (the branch is kept)")
    .option("-f, --force", "do not ask, and discard uncommitted changes")
    .option("--delete-branch", "delete branch nexus/NAME too")
    .action(async (name: string | undefined, opts: { force?: boolean; deleteBranch?: boolean }) => {
      const { destroyWorkspace } = await import("../workspace/manager.js");
      const { ctx, name: workspace } = await workspaceNamed(name);
      ctx.store.get(workspace);
      if (!opts.force) {
        const { confirm } = await import("../core/prompt.js");
        if (!(await confirm(`Destroy workspace ${workspace} (containers, database volumes, worktree)?`)))
          return info("Nothing changed.");
      }
      await destroyWorkspace(ctx, workspace, opts);
      success(
        `Workspace ${workspace} destroyed${opts.deleteBranch ? " with its branch" : `; branch nexus/${workspace} kept`}.`,
      );
    });
}

function defineList(ws: Command): void {
  jsonOption(
    ws.command("list").alias("ls").description("workspaces with live state, ports, disk use and drift"),
  )
    .option("--no-disk", "skip measuring disk use")
    .action(async (opts: { json?: boolean; disk?: boolean }) => {
      const ctx = await project();
      const { listWorkspaces } = await import("../workspace/inspect.js");
      const result = await listWorkspaces(ctx, { disk: opts.disk });
      if (opts.json) return printJson(result);
      if (result.dockerError) warn(`${result.dockerError} (container states unknown)`);
      if (result.workspaces.length === 0)
        return info("No workspaces yet. Create one: nexus workspace create NAME");
      await printTable(result.workspaces, [
        { header: "NAME", value: (w) => w.name },
        { header: "STATE", value: (w) => stateLabel(w.state) },
        { header: "TEMPLATE", value: (w) => w.template },
        ...(result.workspaces.some((w) => w.host)
          ? [{ header: "HOST", value: (w: { host: string | null }) => w.host ?? "local" }]
          : []),
        {
          header: "SERVICES",
          value: (w) => (w.services.total ? `${w.services.running}/${w.services.total}` : "-"),
        },
        { header: "PORTS", value: (w) => w.ports.map((p) => `${p.name}:${p.hostPort}`).join(" ") || "-" },
        { header: "DISK", value: (w) => formatBytes(w.diskBytes) },
        { header: "DRIFT", value: (w) => (w.drift.length ? style.warn(w.drift.join(", ")) : "-") },
      ]);
      if (result.workspaces.some((w) => w.drift.length))
        info(style.dim("Fix drift with: nexus workspace repair NAME"));
    });
}

function defineStatus(ws: Command): void {
  jsonOption(ws.command("status [name]").description("one workspace in detail")).action(
    async (name: string | undefined, opts: { json?: boolean }) => {
      const { workspaceStatus } = await import("../workspace/inspect.js");
      const ws = await workspaceNamed(name);
      const status = await workspaceStatus(ws.ctx, ws.name);
      if (opts.json) return printJson(status);
      printLine(
        `${style.bold(status.name)}  ${stateLabel(status.state)}  template ${status.template}  branch ${status.branch}`,
      );
      if (status.host) printLine(`worktree  ${status.worktreePath} on host ${status.host}`);
      else printLine(`worktree  ${status.worktreePath} (${formatBytes(status.diskBytes)})`);
      if (status.drift.length)
        printLine(
          `drift     ${style.warn(status.drift.join(", "))} — run: nexus workspace repair ${status.name}`,
        );
      if (status.containers.length) {
        await printTable(status.containers, [
          { header: "SERVICE", value: (c) => c.service },
          { header: "STATE", value: (c) => stateLabel(c.state) },
          { header: "HEALTH", value: (c) => c.health ?? "-" },
          { header: "CONTAINER", value: (c) => c.container },
        ]);
      }
      printSsh(status, "ssh       ");
      printEnv(status.env);
    },
  );
}

function defineRepair(ws: Command): void {
  jsonOption(
    ws
      .command("repair [name]")
      .description("recreate a drifted workspace: worktree from its branch, containers"),
  ).action(async (name: string | undefined, opts: { json?: boolean }) => {
    const { repairWorkspace } = await import("../workspace/maintenance.js");
    const ws = await workspaceNamed(name);
    const result = await repairWorkspace(ws.ctx, ws.name, { report: printer });
    if (opts.json) return printJson(result);
    for (const action of result.actions) success(action);
    success(`Workspace ${result.summary.workspace.name} repaired.`);
  });
}

function definePrune(ws: Command): void {
  jsonOption(
    ws
      .command("prune")
      .description(
        "remove orphaned worktrees, containers, networks and volumes, and unused images Nexus built",
      ),
  )
    .option("-f, --force", "also remove orphaned worktrees with uncommitted changes")
    .option("-n, --dry-run", "only show what would be removed")
    .action(async (opts: { json?: boolean; force?: boolean; dryRun?: boolean }) => {
      const ctx = await project();
      const { pruneWorkspaces } = await import("../workspace/maintenance.js");
      const result = await pruneWorkspaces(ctx, { ...opts, report: printer });
      if (opts.json) return printJson(result);
      const verb = opts.dryRun ? "would remove" : "removed";
      for (const w of result.worktrees) info(`${verb} orphaned worktree ${w}`);
      for (const w of result.containers) info(`${verb} containers, network and volumes of ${w}`);
      for (const w of result.skippedDirty)
        warn(`kept orphaned worktree ${w}: it has uncommitted changes (use --force)`);
      for (const image of result.images) info(`${verb} unused image ${image}`);
      if (result.trash.length)
        info(
          `${opts.dryRun ? "would delete" : "deleted"} ${result.trash.length} folder(s) left in .nexus/trash`,
        );
      if (![result.worktrees, result.containers, result.trash, result.images].some((list) => list.length))
        success("Nothing to prune.");
    });
}

/** Stage timings of create/up, shown with --verbose. */
function reportStage(stage: string, ms: number, detail?: Record<string, unknown>): void {
  debug(`  ${stage.padEnd(14)} ${String(ms).padStart(5)} ms${detail ? ` ${JSON.stringify(detail)}` : ""}`);
}

function stateLabel(state: string): string {
  if (state === "running" || state === "ready" || state === "healthy") return style.ok(state);
  if (state === "error" || state === "unhealthy" || state === "exited" || state === "dead")
    return style.error(state);
  return style.warn(state);
}

async function printSummary(result: WorkspaceSummary): Promise<void> {
  printLine(`worktree  ${result.workspace.worktreePath}`);
  printLine(`branch    ${result.workspace.branch}`);
  if (result.copiedFiles?.length) printLine(`copied    ${result.copiedFiles.join(", ")}`);
  if (result.ports.length) {
    await printTable(result.ports, [
      { header: "PORT", value: (p) => p.name },
      { header: "SERVICE", value: (p) => `${p.service}:${p.containerPort}` },
      { header: "HOST", value: (p) => `127.0.0.1:${p.hostPort}` },
    ]);
  }
  printSsh(result, "ssh       ");
}
