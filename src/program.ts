import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerAgent } from "./commands/agent.js";
import { registerCompletion } from "./commands/completion.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerDogfood } from "./commands/dogfood.js";
import { registerHost } from "./commands/host.js";
import { registerInit } from "./commands/init.js";
import { registerLand } from "./commands/land.js";
import { registerMcp } from "./commands/mcp.js";
import { registerPrime } from "./commands/prime.js";
import { registerProbe } from "./commands/probe.js";
import { registerRalph } from "./commands/ralph.js";
import { registerFeedbackAndSkills } from "./commands/skills.js";
import { registerTask } from "./commands/task.js";
import { registerTelemetry } from "./commands/telemetry.js";
import { registerTemplate } from "./commands/template.js";
import { registerWorkspace } from "./commands/workspace.js";
import { ExitCode, ExitStatus, environmentError, isNexusError } from "./core/errors.js";
import { listen, settled } from "./core/events.js";
import { printError, printer, printUnexpected, setOutputMode } from "./core/output.js";
import { setDiagnostics } from "./core/report.js";
import { recordEvent } from "./telemetry/listener.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Command modules register cheaply; each action imports the heavy capability code it needs. */
export function buildProgram(): Command {
  const program = new Command("nexus")
    .description("Isolated workspaces, verified tasks and Ralph loops for AI coding agents")
    .version(version(), "-V, --version")
    .option("-v, --verbose", "show debug output")
    .option("-q, --quiet", "only print results and errors")
    .showSuggestionAfterError()
    .exitOverride()
    .hook("preAction", (_program, action) => {
      setOutputMode(action.optsWithGlobals());
      setDiagnostics(printer);
      started = { action, at: performance.now() };
    });
  registerInit(program);
  registerWorkspace(program);
  registerTemplate(program);
  registerTask(program);
  registerAgent(program);
  registerLand(program);
  registerPrime(program);
  registerRalph(program);
  registerMcp(program);
  registerFeedbackAndSkills(program);
  registerHost(program);
  registerDoctor(program);
  registerTelemetry(program);
  registerProbe(program);
  registerDogfood(program);
  registerCompletion(program);
  return program;
}

/** The one top-level catch: NexusErrors become message + hint; anything else keeps its stack. */
export function reportError(thrown: unknown): number {
  const error = typed(thrown);
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ||
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.version"
      ? ExitCode.ok
      : ExitCode.usage;
  }
  // The command rendered its outcome already: only its exit code is left to set.
  if (error instanceof ExitStatus) return error.exitCode;
  if (isNexusError(error)) {
    printError(error);
    return error.exitCode;
  }
  printUnexpected(error);
  return ExitCode.failure;
}

/** A NexusError as it is; a write the machine refused (disk full, read-only, no permission) typed. */
function typed(error: unknown): unknown {
  return isNexusError(error) ? error : (environmentError(error) ?? error);
}

/** What telemetry records as the error's category (an ExitStatus carries its own, or none). */
function categoryOf(error: unknown): string | undefined {
  if (error instanceof ExitStatus) return error.category;
  const known = typed(error);
  if (isNexusError(known)) return known.category;
  return error instanceof CommanderError ? "validation" : "internal";
}

let started: { action: Command; at: number } | undefined;

export async function main(argv: string[] = process.argv): Promise<number> {
  started = undefined;
  let code: number;
  let category: string | undefined;
  // Telemetry hears the domain's events (core/events.ts); the layers below import none of it.
  const unlisten = listen(recordEvent);
  try {
    await buildProgram().parseAsync(argv);
    code = ExitCode.ok;
  } catch (error) {
    code = reportError(error);
    category = categoryOf(error);
  }
  await settled();
  unlisten();
  if (started) await recordAction(started, { code, category });
  return code;
}

/** The one place commands are measured: no command records anything itself. */
async function recordAction(
  run: { action: Command; at: number },
  result: { code: number; category?: string },
): Promise<void> {
  const { commandPath, subjectOf, shouldRecord } = await import("./telemetry/subject.js");
  const path = commandPath(run.action);
  if (!shouldRecord(path)) return;
  const { recordCommand } = await import("./telemetry/recorder.js");
  await recordCommand({
    command: path,
    durationMs: performance.now() - run.at,
    exitCode: result.code,
    errorCategory: result.category,
    ...subjectOf(run.action),
    version: version(),
  });
}
