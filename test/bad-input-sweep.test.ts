/**
 * The never-again sweep: every command, every option that takes a value and every positional
 * argument, found by walking the real commander program (a new command is swept without editing
 * this file), is run as a separate process (dist/cli.js: run `npm run build` first; `npm test`
 * does) with malformed values. None may crash ("unexpected error", "This is a bug", a stack trace,
 * an exit code above 2, a timeout), and a refusal (exit code not 0) must leave the repository's
 * tracked files and .nexus/tasks.jsonl byte for byte as they were.
 *
 * Each run gets a fresh copy of a real initialised repository (one workspace `sweep-ws` with
 * template none, one open task, one skill) and a fresh HOME/NEXUS_HOME; DOCKER_HOST points at a socket that
 * does not exist, so nothing ever starts a container and nothing depends on the machine's Docker.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Argument, Command, Option } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../src/program.js";

/** NEXUS_SWEEP_CLI runs the sweep against another build (e.g. an older commit's dist/cli.js). */
const CLI = process.env.NEXUS_SWEEP_CLI ?? new URL("../dist/cli.js", import.meta.url).pathname;
const TIMEOUT_MS = 30_000;
const HUGE = "x".repeat(100_000);

/**
 * Crashes found in files this sweep's author does not own, by exact command line (as `sweepCase`
 * prints it). Each entry must still fail: once it is fixed, the sweep says so and the entry goes.
 * Never add an entry to make the sweep pass without a note to the owner.
 */
const PATH_CHARS = "a b/c:d*?|<>\"'$(true);`x`\n";
const KNOWN_FAILURES: string[] = [];

/** Commands (leaves of the command tree) the sweep does not run, each with its reason. */
const SKIPPED: Record<string, string> = {
  mcp: "a stdio MCP server that runs until its client leaves; it takes no options or arguments to sweep",
};

/** Commands whose exit code is the exit code of the command they run (documented pass-through). */
const PASS_THROUGH = new Set(["workspace exec"]);

/** Options supplied by default so a sweep of another option cannot start anything slow or real. */
const BASE_OPTIONS: Record<string, string[][]> = {
  "workspace create": [["--template", "none"]],
  "ralph run": [
    ["--agent-cmd", "false"],
    ["--template", "none"],
    ["--on-host"],
    ["--max-iterations", "1"],
    ["--timeout", "30"],
  ],
};

/** Valid values for required options (commander refuses the command without them). */
const REQUIRED_OPTION_VALUES: Record<string, string> = {
  "--endpoint": "https://collector.invalid/v1/logs",
  "--to": ".claude/skills",
};

interface Fixture {
  taskId: string;
  /** A path under a regular file: unwritable even for root. */
  unwritable: string;
}

/** A valid value for each positional argument, by its name (unknown names get "x"). */
function validArgument(command: string, name: string, fixture: Fixture): string | undefined {
  const values: Record<string, string | undefined> = {
    id: fixture.taskId,
    ids: undefined,
    name: command === "workspace create" ? "sweep-new" : "sweep-ws",
    title: "Sweep title",
    agent: "sweep-bot",
    service: "dev",
    state: "on",
    args: "true",
    base: "../merge-base.jsonl",
    ours: "../merge-ours.jsonl",
    theirs: "../merge-theirs.jsonl",
  };
  return name in values ? values[name] : "x";
}

const NUMERIC_META = /<(n|seconds|minutes|hours|days|lines|count|ms)>/;
const FILE_LIKE = /^(-o|--output|--html|--file|--to|--dir|--out)$|file|path|dir/;

/**
 * The malformed values for one slot, from what its name says it holds. "-3" goes to numbers and
 * to positional arguments (after `--`, so it reaches the command); to a text option it is just text.
 */
function badValues(label: string, meta: string, fixture: Fixture, positional = false): string[] {
  if (NUMERIC_META.test(meta)) return ["", "-3", "0", "abc", "1e12"];
  const values = ["", ...(positional ? ["-3"] : []), "abc", HUGE, "../../etc/passwd", PATH_CHARS];
  if (/\bids?\b|depends|<ids>|<id>/.test(`${label} ${meta}`)) values.push("nx-zzzz");
  if (/name|workspace|template|from|branch/.test(`${label} ${meta}`)) values.push("no-such-workspace");
  if (FILE_LIKE.test(label)) values.push(fixture.unwritable);
  return values;
}

interface Slot {
  command: string;
  options: readonly Option[];
  args: readonly Argument[];
}

function commandsOf(root: Command): Slot[] {
  const out: Slot[] = [];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const full = [...path, sub.name()];
      if (!sub.commands.length)
        out.push({ command: full.join(" "), options: sub.options, args: sub.registeredArguments });
      walk(sub, full);
    }
  };
  walk(root, []);
  return out;
}

interface SweepCase {
  command: string;
  argv: string[];
  /** The command line as it is printed and listed in KNOWN_FAILURES (long values shortened). */
  line: string;
}

const printable = (v: string) =>
  v === HUGE ? "<100000 x>" : v === "" || /[\s"'$`*?|<>;]/.test(v) ? JSON.stringify(v) : v;

/** Builds one invocation: valid base values everywhere except the one slot that gets `value`. */
function invocation(slot: Slot, fixture: Fixture, bad: { option?: Option; arg?: Argument; value: string }) {
  const options: string[][] = [];
  for (const base of BASE_OPTIONS[slot.command] ?? []) if (base[0] !== bad.option?.long) options.push(base);
  for (const option of slot.options)
    if (option.mandatory && option !== bad.option)
      options.push([option.long!, REQUIRED_OPTION_VALUES[option.long!] ?? "x"]);
  if (bad.option) options.push([bad.option.long ?? bad.option.short!, bad.value]);
  const positionals: string[] = [];
  for (const arg of slot.args) {
    const value = arg === bad.arg ? bad.value : validArgument(slot.command, arg.name(), fixture);
    if (value !== undefined) positionals.push(value);
  }
  const argv = [...slot.command.split(" "), ...options.flat(), "--", ...positionals];
  const line = ["nexus", ...argv.map(printable)].join(" ").replace(fixture.unwritable, "<unwritable>");
  return { command: slot.command, argv, line };
}

function sweepCases(fixture: Fixture): SweepCase[] {
  const cases: SweepCase[] = [];
  for (const slot of commandsOf(buildProgram())) {
    if (SKIPPED[slot.command]) continue;
    for (const option of slot.options.filter((o) => o.required || o.optional))
      for (const value of badValues(option.long ?? option.short!, option.flags, fixture))
        cases.push(invocation(slot, fixture, { option, value }));
    for (const arg of slot.args)
      for (const value of badValues(arg.name(), `<${arg.name()}>`, fixture, true))
        cases.push(invocation(slot, fixture, { arg, value }));
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Sandboxes: one per concurrent run, each a real repository restored from its own pristine copy
// (restored at the same path, so the absolute paths git and Nexus store stay right).

interface Sandbox {
  dir: string;
  pristine: string;
  env: NodeJS.ProcessEnv;
  tracked: string[];
  hash: string;
}

function sandboxEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(dir, "home"),
    NEXUS_HOME: join(dir, "home", ".nexus"),
    TMPDIR: join(dir, "tmp"),
    NO_COLOR: "1",
    LANG: "C.UTF-8",
    DOCKER_HOST: `unix://${join(dir, "no-docker.sock")}`,
    GIT_AUTHOR_NAME: "Sweep",
    GIT_AUTHOR_EMAIL: "sweep@nexus.dev",
    GIT_COMMITTER_NAME: "Sweep",
    GIT_COMMITTER_EMAIL: "sweep@nexus.dev",
    ...(process.env.CI ? { CI: process.env.CI } : {}),
  };
}

function nexus(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd, env, encoding: "utf8", stdio: "pipe" });
}

/** `nexus init`, a template-none workspace, one open task and a skill, committed; then a pristine copy. */
function makeSandbox(root: string, index: number): Sandbox & { taskId: string } {
  const dir = join(root, `slot-${index}`);
  const repo = join(dir, "repo");
  const env = sandboxEnv(dir);
  for (const sub of ["repo", "home", "tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  for (const side of ["base", "ours", "theirs"]) writeFileSync(join(dir, `merge-${side}.jsonl`), "");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "gc.auto", "0");
  writeFileSync(join(repo, "README.md"), "# sweep\n");
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  nexus(["init"], repo, env);
  nexus(["workspace", "create", "sweep-ws", "--template", "none"], repo, env);
  const taskId = JSON.parse(
    nexus(["task", "create", "Sweep task", "--check", "true", "--json"], repo, env),
  ).id;
  mkdirSync(join(repo, ".nexus", "skills", "demo"), { recursive: true });
  writeFileSync(join(repo, ".nexus", "skills", "demo", "SKILL.md"), "---\nname: demo\ndescription: d\n---\n");
  git("add", "-A");
  git("commit", "-q", "-m", "sweep fixture");
  const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: repo, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  const pristine = join(root, `pristine-${index}`);
  cpSync(dir, pristine, { recursive: true, verbatimSymlinks: true });
  const sandbox = { dir, pristine, env, tracked, hash: "", taskId };
  sandbox.hash = treeHash(sandbox);
  return sandbox;
}

function treeHash(sandbox: Sandbox): string {
  const hash = createHash("sha256");
  const repo = join(sandbox.dir, "repo");
  for (const file of [...sandbox.tracked, ".nexus/tasks.jsonl"]) {
    const path = join(repo, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path).toString("base64") : "<missing>"}\0`);
  }
  return hash.digest("hex");
}

async function restore(sandbox: Sandbox): Promise<void> {
  await rm(sandbox.dir, { recursive: true, force: true });
  await cp(sandbox.pristine, sandbox.dir, { recursive: true, verbatimSymlinks: true });
}

/** A tmpfs when there is one: restoring a sandbox there takes 7 ms instead of 80. */
function scratch(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

interface Outcome {
  code: number | null;
  stderr: string;
  timedOut: boolean;
  changed: boolean;
}

async function runCase(sandbox: Sandbox, c: SweepCase): Promise<Outcome> {
  await restore(sandbox);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...c.argv], {
      cwd: join(sandbox.dir, "repo"),
      env: sandbox.env,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    let timedOut = false;
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 200_000) stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL");
    }, TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut, changed: treeHash(sandbox) !== sandbox.hash });
    });
  });
}

/** What is wrong with one outcome, or undefined when it is a clean success or a clean refusal. */
function problemWith(c: SweepCase, outcome: Outcome): string | undefined {
  const o = {
    ...outcome,
    stderr: outcome.stderr.replace(/(.)\1{199,}/g, (run) => `<${run.length} ${run[0]}>`),
  };
  if (o.timedOut) return `timed out after ${TIMEOUT_MS / 1000} s`;
  if (/unexpected error|This is a bug/i.test(o.stderr)) return `crashed:\n${o.stderr.slice(0, 1500)}`;
  if (/^\s+at .+(:\d+:\d+\)?|<anonymous>\)?)$/m.test(o.stderr))
    return `printed a stack trace:\n${o.stderr.slice(0, 1500)}`;
  if (o.code === null) return "was killed by a signal";
  if (o.code > 2 && !PASS_THROUGH.has(c.command)) return `exit code ${o.code}:\n${o.stderr.slice(0, 800)}`;
  if (o.code !== 0 && o.changed) return `exit code ${o.code} but tracked files or tasks.jsonl changed`;
  return undefined;
}

async function runAll(sandboxes: Sandbox[], cases: SweepCase[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  let next = 0;
  const worker = async (sandbox: Sandbox) => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const problem = problemWith(c, await runCase(sandbox, c));
      if (problem) problems.set(c.line, problem);
    }
  };
  await Promise.all(sandboxes.map(worker));
  return problems;
}

// ---------------------------------------------------------------------------------------------

const commands = commandsOf(buildProgram())
  .map((s) => s.command)
  .filter((c) => !SKIPPED[c]);
let root = "";
let cases: SweepCase[] = [];
let problems = new Map<string, string>();

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does).");
  root = mkdtempSync(join(scratch(), "nexus-sweep-"));
  const file = join(root, "a-file");
  writeFileSync(file, "a regular file, so nothing can be written under it\n");
  const concurrency = Math.max(2, Math.min(8, availableParallelism() * 2));
  const sandboxes = Array.from({ length: concurrency }, (_, i) => makeSandbox(root, i));
  cases = sweepCases({ taskId: sandboxes[0]!.taskId, unwritable: join(file, "x.out") });
  const started = performance.now();
  problems = await runAll(sandboxes, cases);
  console.info(
    `bad-input sweep: ${cases.length} invocations of ${commands.length} commands in ${Math.round(performance.now() - started) / 1000} s, ${concurrency} at a time`,
  );
}, 600_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the bad-input sweep", () => {
  it("walks every command and finds the options and arguments to sweep", () => {
    expect(commands).toEqual(
      expect.arrayContaining(["stats", "ralph run", "task create", "workspace create"]),
    );
    expect(cases.some((c) => c.line === "nexus stats --days abc --")).toBe(true);
    expect(cases.length).toBeGreaterThan(200);
  });

  it.each(commands)("nexus %s: malformed values are refused cleanly and change nothing", (command) => {
    const found = [...problems]
      .filter(([line]) => cases.find((c) => c.line === line)?.command === command)
      .filter(([line]) => !KNOWN_FAILURES.includes(line))
      .map(([line, problem]) => `${line}\n  → ${problem}`);
    expect(found, found.join("\n\n")).toEqual([]);
  });

  it("every KNOWN_FAILURES entry still fails (remove the entries that are fixed)", () => {
    const fixed = KNOWN_FAILURES.filter((line) => !problems.has(line));
    expect(fixed, `fixed now, remove from KNOWN_FAILURES:\n${fixed.join("\n")}`).toEqual([]);
  });
});
