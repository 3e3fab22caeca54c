import type { Command } from "commander";
import { ExitStatus, UsageError } from "../core/errors.js";
import { nonNegativeInt } from "../core/options.js";
import { info, printJson, printLine, printTable, style } from "../core/output.js";
import { collect, jsonOption, splitAtSeparator, workspaceNamed } from "./common.js";

export function registerAccessCommands(ws: Command): void {
  defineShell(ws);
  defineExec(ws);
  definePorts(ws);
  defineLogs(ws);
  definePath(ws);
  defineUse(ws);
  defineConfig(ws);
}

function defineConfig(ws: Command): void {
  ws.command("config [name]")
    .description("the merged Compose configuration: the project's files plus Nexus's override")
    .option("--json", "as JSON")
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      const { mergedConfig } = await import("../workspace/start-stop.js");
      const ws = await workspaceNamed(name);
      process.stdout.write(await mergedConfig(ws.ctx, ws.name, opts.json ? "json" : "yaml"));
    });
}

function defineShell(ws: Command): void {
  ws.command("shell [name]")
    .description("open a shell in the workspace's dev container")
    .action(async (name: string | undefined) => {
      const { runInWorkspace } = await import("../workspace/access.js");
      const ws = await workspaceNamed(name);
      const cmd = ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi"];
      const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      await passThrough(runInWorkspace(ws.ctx, { name: ws.name, cmd, tty, stdin: true }));
    });
}

interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  workdir?: string;
}

const EXEC_EXAMPLE = "Example: nexus workspace exec feature-auth -- npm test";

function defineExec(ws: Command): void {
  ws.command("exec [args...]")
    .usage("[NAME] [-i] -- COMMAND...")
    .description("run a command in the dev container; its exit code is passed through")
    .option("-i, --interactive", "forward standard input")
    .option("-t, --tty", "allocate a terminal")
    .option("-e, --env <KEY=VALUE>", "set a variable for the command (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "run in DIR (relative to the workspace folder, or absolute)")
    .action(async (args: string[], opts: ExecFlags, command: Command) => {
      const { runInWorkspace } = await import("../workspace/access.js");
      const { name, cmd } = splitAtSeparator(command, args);
      if (!cmd) throw new UsageError("exec needs the command after --.", EXEC_EXAMPLE);
      if (cmd.length === 0) throw new UsageError("No command given after --.", EXEC_EXAMPLE);
      const ws = await workspaceNamed(name);
      const { tty, interactive, env, workdir } = opts;
      const stdin = Boolean(interactive || tty);
      await passThrough(
        runInWorkspace(ws.ctx, { name: ws.name, cmd, tty: Boolean(tty), stdin, env, workdir }),
      );
    });
}

function definePorts(ws: Command): void {
  jsonOption(
    ws.command("ports [name]").description("published ports and the environment variables that name them"),
  ).action(async (name: string | undefined, opts: { json?: boolean }) => {
    const { workspacePorts } = await import("../workspace/summary.js");
    const ws = await workspaceNamed(name);
    const result = await workspacePorts(ws.ctx, ws.name);
    if (opts.json)
      return printJson({
        ports: result.ports,
        env: result.env,
        sshAlias: result.sshAlias ?? null,
        ...(result.sshUnavailable ? { sshUnavailable: result.sshUnavailable } : {}),
      });
    if (result.ports.length === 0) info("This workspace publishes no ports.");
    else {
      await printTable(result.ports, [
        { header: "NAME", value: (p) => p.name },
        { header: "SERVICE", value: (p) => p.service },
        { header: "CONTAINER", value: (p) => p.containerPort },
        { header: "HOST", value: (p) => `127.0.0.1:${p.hostPort}` },
      ]);
    }
    printLine("");
    printEnv(result.env);
    printLine("");
    printSsh(result, "");
  });
}

function defineLogs(ws: Command): void {
  ws.command("logs [name] [service]")
    .description("show container logs")
    .option("-f, --follow", "keep streaming new output")
    .option("-n, --tail <lines>", "only the last N lines", nonNegativeInt("--tail", 1_000_000))
    .action(
      async (
        name: string | undefined,
        service: string | undefined,
        opts: { follow?: boolean; tail?: number },
      ) => {
        const { workspaceLogs: streamLogs } = await import("../workspace/access.js");
        const ws = await workspaceNamed(name);
        await streamLogs(ws.ctx, { name: ws.name, service, follow: opts.follow, tail: opts.tail });
      },
    );
}

function definePath(ws: Command): void {
  ws.command("path [name]")
    .description('print the worktree path: cd "$(nexus workspace path NAME)"')
    .action(async (name: string | undefined) => {
      const ws = await workspaceNamed(name);
      const { localWorktree } = await import("../workspace/access.js");
      printLine(localWorktree(ws.ctx, ws.name));
    });
}

function defineUse(ws: Command): void {
  ws.command("use <name>")
    .description("open a subshell in the workspace's worktree (prints the path when not on a terminal)")
    .action(async (name: string) => {
      const ws = await workspaceNamed(name);
      const { localWorktree, runOnHost } = await import("../workspace/access.js");
      const path = localWorktree(ws.ctx, ws.name);
      if (!process.stdin.isTTY || !process.stdout.isTTY) return printLine(path);
      info(`Entering ${ws.name} (${path}); exit the shell to return.`);
      process.env.NEXUS_WORKSPACE = ws.name;
      await passThrough(runOnHost(path, [process.env.SHELL ?? "/bin/sh"]));
    });
}

/** The user's own command's exit code: telemetry records a non-zero one as passed through, not a failure. */
async function passThrough(run: Promise<number>): Promise<void> {
  const code = await run;
  if (code === 0) return;
  (await import("../telemetry/recorder.js")).noteTelemetry({ outcome: "passed_through" });
  throw ExitStatus.passThrough(code);
}

export function printEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) printLine(`${key}=${value}`);
}

/** `ssh ALIAS`, or why there is none and what to use instead. */
export function printSsh(result: { sshAlias?: string; sshUnavailable?: string }, prefix: string): void {
  if (result.sshAlias) printLine(`${prefix}ssh ${result.sshAlias}`);
  else if (result.sshUnavailable) printLine(`${prefix}${style.dim(`no SSH: ${result.sshUnavailable}`)}`);
}
