import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { builtinTemplatesDir } from "../../core/paths.js";
import { diagnose } from "../../core/report.js";
import { BuildLog } from "./build-log.js";
import { buildFailure, progressPrinter, saveLog } from "./build-progress.js";
import { explainDockerError } from "./docker-errors.js";
import { engineTarget } from "./target.js";

/** One Compose project: the name, the files in `-f` order and the directory relative paths resolve in. */
export interface ComposeProject {
  name: string;
  files: string[];
  projectDir: string;
  /**
   * The profiles Compose enables (`--profile` each). When set, COMPOSE_PROFILES from the environment
   * or `.env` is not read: the services Compose starts are exactly those the override covers.
   */
  profiles?: string[];
  /** The worktree the files come from (projectDir when absent): cached models are relocated by it. */
  root?: string;
}

export interface ComposeRun {
  stdout: string;
  stderr: string;
  /** Both streams' lines in the order they came (a build's log is on stdout, Compose's on stderr). */
  output: string;
  exitCode: number;
}

export interface ComposeOptions {
  /** Show Compose's progress lines (builds) on stderr as they come. */
  progress?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Fail with this message (plus Compose's own words) on a non-zero exit. */
  failure?: string;
  /** Every line Compose writes to stderr (its progress), as it comes. */
  onLine?: (line: string) => void;
  /** Where a failed build's whole output is saved (with `failure`). */
  logFile?: string;
}

/** The service of `services` whose container Compose's progress line says just started, if any. */
function startedService(line: string, project: string, services: string[]): string | undefined {
  const container = /Container (\S+)\s+Started/.exec(line)?.[1];
  return container ? services.find((s) => container === `${project}-${s}-1`) : undefined;
}

/**
 * Work begun once per service: when Compose's progress line says its container started (`onLine`),
 * or when asked for (`begin`), whichever comes first. `begun` gives what has been begun so far.
 */
export function beginOnStart<T>(project: string, services: string[], work: (service: string) => Promise<T>) {
  const begun = new Map<string, Promise<T>>();
  const begin = (service: string): Promise<T> => {
    let running = begun.get(service);
    if (!running) {
      running = work(service);
      running.catch(() => undefined); // its outcome goes to whoever begins or awaits it
      begun.set(service, running);
    }
    return running;
  };
  return {
    onLine(line: string): void {
      const service = startedService(line, project, services);
      if (service) begin(service);
    },
    begin,
    begun: () => [...begun.values()],
  };
}

/** `docker compose -p NAME --project-directory DIR -f A -f B <args>`: every workspace goes through here. */
export function composeArgs(project: ComposeProject, args: string[]): string[] {
  const files = project.files.flatMap((f) => ["-f", f]);
  const profiles = (project.profiles ?? []).flatMap((p) => ["--profile", p]);
  return [
    "compose",
    "-p",
    project.name,
    "--project-directory",
    project.projectDir,
    ...files,
    ...profiles,
    ...args,
  ];
}

export async function compose(
  project: ComposeProject,
  args: string[],
  options: ComposeOptions = {},
): Promise<ComposeRun> {
  const started = performance.now();
  const own = project.profiles ? { env: { COMPOSE_PROFILES: "", ...options.env } } : {};
  const build = options.progress ? new BuildLog() : undefined;
  const result = await runDocker(composeArgs(project, args), { ...options, ...own }, build);
  diagnose(`docker compose ${args[0]} (${project.name}): ${Math.round(performance.now() - started)} ms`);
  const target = engineTarget();
  if (target && result.exitCode === 255) throw target.unreachable(result.stderr);
  if (result.exitCode === 0 || !options.failure) return result;
  const log = build?.built && options.logFile ? saveLog(options.logFile, result.output) : undefined;
  if (build?.failed) throw buildFailure(options.failure, build.failed, log);
  throw composeFailure(options.failure, result.stderr);
}

/**
 * Where the docker CLI finds the Compose plugin (its own search order, DOCKER_CONFIG first). Nexus runs
 * that same binary itself: `docker compose` first asks the plugin for its metadata in a second process,
 * ~50 ms on every call (`npm run bench`). Without the plugin in these folders, `docker compose` it is.
 */
export function composePlugin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NEXUS_COMPOSE_VIA_DOCKER) return undefined;
  const config = env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  const dirs = [
    join(config, "cli-plugins"),
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
  ];
  return dirs.map((dir) => join(dir, "docker-compose")).find((file) => existsSync(file));
}

let plugin: string | null | undefined;

function dockerCommand(args: string[], env: Record<string, string>): [string, string[]] {
  const target = engineTarget();
  if (target) return target.command(args, env);
  if (plugin === undefined) plugin = composePlugin() ?? null;
  return args[0] === "compose" && plugin ? [plugin, args.slice(1)] : ["docker", args];
}

function runDocker(args: string[], options: ComposeOptions, build?: BuildLog): Promise<ComposeRun> {
  return new Promise((resolve, reject) => {
    // Built-in templates name their build contexts ${NEXUS_TEMPLATES:-..}/NAME: absolute under Nexus.
    // Builds print BuildKit's plain progress: one line per event, each naming its step.
    const own: Record<string, string> = {
      NEXUS_TEMPLATES: process.env.NEXUS_TEMPLATES ?? builtinTemplatesDir(),
      ...(options.env as Record<string, string>),
      ...(build ? { BUILDKIT_PROGRESS: "plain" } : {}),
    };
    const [file, fileArgs] = dockerCommand(args, own);
    const child = spawn(file, fileArgs, {
      env: { ...process.env, ...own },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const printer = build ? progressPrinter(build) : undefined;
    const out: string[] = [];
    const err: string[] = [];
    const log: string[] = [];
    // Compose writes its own progress to stderr, but a build's (BuildKit's) to stdout.
    eachLine(child.stdout, out, (line) => {
      if (!build) return;
      log.push(line);
      printer?.line(line);
    });
    eachLine(child.stderr, err, (line) => {
      log.push(line);
      printer?.line(line);
      options.onLine?.(line.trim());
    });
    child.on("error", (error: NodeJS.ErrnoException) => reject(missingDocker(error)));
    child.on("close", (code) => {
      printer?.stop();
      const output = log.join("\n");
      resolve({ stdout: out.join(""), stderr: err.join(""), output, exitCode: code ?? 1 });
    });
  });
}

/** Collects a stream's text into `chunks` and calls `onLine` with each whole line as it comes. */
function eachLine(stream: NodeJS.ReadableStream, chunks: string[], onLine: (line: string) => void): void {
  let partial = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    chunks.push(chunk);
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    lines.forEach(onLine);
  });
  stream.on("end", () => onLine(partial));
  stream.on("error", () => undefined);
}

function missingDocker(error: NodeJS.ErrnoException): NexusError {
  return new NexusError(`Cannot run the docker CLI: ${error.message}`, {
    category: "docker_unavailable",
    hint: "Install Docker with Compose v2 (`bash scripts/docker-engine.sh` on Debian/Ubuntu), or use `--template none`.",
    cause: error,
  });
}

/** Compose's own message, explained when it is one we know (address pools, disk full, ports). */
export function composeFailure(what: string, stderr: string): NexusError {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.slice(-12).join("\n");
  const explained = explainDockerError(new Error(last));
  if (explained instanceof NexusError) return explained;
  if (/unknown (shorthand )?flag|is not a docker command|unknown command "compose"/i.test(stderr)) {
    return new NexusError("Docker Compose v2 (`docker compose`) is not installed.", {
      category: "docker_unavailable",
      hint: "Install it: `bash scripts/docker-engine.sh` (Debian/Ubuntu), or the docker-compose-plugin package; `nexus doctor` checks it.",
    });
  }
  const portTaken = /port is already allocated|address already in use/i.test(last);
  const said = lines.at(-1) ?? "docker compose failed";
  return new NexusError(`${what}: ${said.length > 300 ? `${said.slice(0, 299)}…` : said}`, {
    category: portTaken ? "port_conflict" : "docker",
    hint: portTaken
      ? "Another program took the port; run `nexus workspace up` again to pick a new one."
      : `Compose said:\n${last}`,
  });
}

/** `docker compose version --short`, or undefined when there is no Compose v2. */
export async function composeVersion(): Promise<string | undefined> {
  try {
    const result = await runDocker(["compose", "version", "--short"], {});
    return result.exitCode === 0 ? result.stdout.trim().replace(/^v/, "") : undefined;
  } catch {
    return undefined;
  }
}
