import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { type AgentCommand, expandArgv } from "./presets.js";

export interface AgentRun {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
}

const KEEP_CHARS = 20_000;

/** Runs the agent in the worktree: output streamed to the log, prompt on stdin or as a file. */
export function runAgent(options: {
  agent: AgentCommand;
  cwd: string;
  prompt: string;
  promptFile: string;
  logFile: string;
  timeoutMs: number;
  env: Record<string, string>;
  signal?: AbortSignal;
}): Promise<AgentRun> {
  const started = performance.now();
  const [file, ...args] = expandArgv(options.agent, {
    promptFile: options.promptFile,
    prompt: options.prompt,
  });
  const log = createWriteStream(options.logFile, { flags: "a" });
  return new Promise((resolve) => {
    const child = spawn(file!, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      output = (output + chunk.toString()).slice(-KEEP_CHARS);
    };
    for (const stream of [child.stdout, child.stderr]) stream.on("data", collect);
    child.stdin.on("error", () => undefined).end(options.agent.stdin ? options.prompt : "");
    const kill = () => killGroup(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", kill, { once: true });
    const finish = (exitCode: number | null) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      log.end();
      resolve({ exitCode, timedOut, output, durationMs: Math.round(performance.now() - started) });
    };
    child.on("error", (error) => {
      collect(Buffer.from(`nexus: cannot start the agent: ${error.message}\n`));
      finish(127);
    });
    child.on("close", (code) => finish(code));
  });
}

/** The agent runs in its own process group, so its children stop with it. */
function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/** Agents say so in many ways; any of these in the output stops the loop instead of burning iterations. */
export function rateLimited(output: string): boolean {
  return /rate.?limit|usage limit|too many requests|\b429\b|quota exceeded|limit reached/i.test(
    output.slice(-4000),
  );
}
