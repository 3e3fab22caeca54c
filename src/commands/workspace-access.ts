import type { Command } from "commander";
import { UsageError } from "../core/errors.js";
import { nonNegativeInt } from "../core/options.js";
import { info, printJson, printLine, printTable, style } from "../core/output.js";
import { collect, jsonOption, project } from "./common.js";

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
      const ctx = await project();
      const { resolveName } = await import("../workspace/context.js");
      const { mergedConfig } = await import("../workspace/start-stop.js");
      process.stdout.write(await mergedConfig(ctx, resolveName(ctx, name), opts.json ? "json" : "yaml"));
    });
}

function defineShell(ws: Command): void {
  ws.command("shell [name]")
    .description("open a shell in the workspace's dev container")
    .action(async (name: string | undefined) => {
      const ctx = await project();
      const { resolveName } = await import("../workspace/context.js");
      const { runInWorkspace } = await import("../workspace/access.js");
      const cmd = ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi"];
      const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      process.exitCode = await passThrough(
        runInWorkspace(ctx, { name: resolveName(ctx, name), cmd, tty, stdin: true }),
      );
    });
}

interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  workdir?: string;
}

function defineExec(ws: Command): void {
  ws.command("exec [args...]")
    .usage("[NAME] [-i] -- COMMAND...")
    .description("run a command in the dev container; its exit code is passed through")
    .option("-i, --interactive", "forward standard input")
    .option("-t, --tty", "allocate a terminal")
    .option("-e, --env <KEY=VALUE>", "set a variable for the command (repeatable)", collect, [])
    .option("-w, --workdir <dir>", "run in DIR (relative to the workspace folder, or absolute)")
    .action(async (args: string[], opts: ExecFlags, command: Command) => {
      const argv =
        (command.parent?.parent as unknown as { rawArgs?: string[] } | undefined)?.rawArgs ?? process.argv;
      const separator = argv.indexOf("--");
      if (separator < 0)
        throw new UsageError(
          "exec needs the command after --.",
          "Example: nexus workspace exec feature-auth -- npm test",
        );
      const commandLength = argv.length - separator - 1;
      if (commandLength === 0)
        throw new UsageError(
          "No command given after --.",
          "Example: nexus workspace exec feature-auth -- npm test",
        );
      const name = args.length > commandLength ? args[0] : undefined;
      const ctx = await project();
      const { resolveName } = await import("../workspace/context.js");
      const { runInWorkspace } = await import("../workspace/access.js");
      const cmd = args.slice(args.length - commandLength);
      process.exitCode = await passThrough(
        runInWorkspace(ctx, {
          name: resolveName(ctx, name),
          cmd,
          tty: Boolean(opts.tty),
          stdin: Boolean(opts.interactive || opts.tty),
          env: opts.env,
          workdir: opts.workdir,
        }),
      );
    });
}

function definePorts(ws: Command): void {
  jsonOption(
    ws.command("ports [name]").description("published ports and the environment variables that name them"),
  ).action(async (name: string | undefined, opts: { json?: boolean }) => {
    const ctx = await project();
    const { resolveName } = await import("../workspace/context.js");
    const { workspacePorts } = await import("../workspace/summary.js");
    const result = await workspacePorts(ctx, resolveName(ctx, name));
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
        const ctx = await project();
        const { resolveName } = await import("../workspace/context.js");
        const { streamLogs } = await import("../workspace/engine/logs.js");
        await streamLogs(ctx, {
          name: resolveName(ctx, name),
          service,
          follow: opts.follow,
          tail: opts.tail,
        });
      },
    );
}

function definePath(ws: Command): void {
  ws.command("path [name]")
    .description('print the worktree path: cd "$(nexus workspace path NAME)"')
    .action(async (name: string | undefined) => {
      const ctx = await project();
      const { resolveName } = await import("../workspace/context.js");
      printLine(ctx.store.get(resolveName(ctx, name)).worktreePath);
    });
}

function defineUse(ws: Command): void {
  ws.command("use <name>")
    .description("open a subshell in the workspace's worktree (prints the path when not on a terminal)")
    .action(async (name: string) => {
      const ctx = await project();
      const { resolveName } = await import("../workspace/context.js");
      const record = ctx.store.get(resolveName(ctx, name));
      if (!process.stdin.isTTY || !process.stdout.isTTY) return printLine(record.worktreePath);
      const { runOnHost } = await import("../workspace/access.js");
      info(`Entering ${record.name} (${record.worktreePath}); exit the shell to return.`);
      process.env.NEXUS_WORKSPACE = record.name;
      process.exitCode = await passThrough(runOnHost(record.worktreePath, [process.env.SHELL ?? "/bin/sh"]));
    });
}

/** The user's own command's exit code: telemetry records a non-zero one as passed through, not a failure. */
async function passThrough(run: Promise<number>): Promise<number> {
  const code = await run;
  if (code !== 0) (await import("../telemetry/recorder.js")).noteTelemetry({ outcome: "passed_through" });
  return code;
}

export function printEnv(env: Record<string, string>): void {
  for (const [key, value] of Object.entries(env)) printLine(`${key}=${value}`);
}

/** `ssh ALIAS`, or why there is none and what to use instead. */
export function printSsh(result: { sshAlias?: string; sshUnavailable?: string }, prefix: string): void {
  if (result.sshAlias) printLine(`${prefix}ssh ${result.sshAlias}`);
  else if (result.sshUnavailable) printLine(`${prefix}${style.dim(`no SSH: ${result.sshUnavailable}`)}`);
}
