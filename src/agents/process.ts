import { createWriteStream } from "node:fs";
import { runTethered } from "../workspace/engine/tether.js";
import { type AgentCommand, expandArgv } from "./presets.js";
import type { AgentPlace } from "./sandbox.js";

export interface AgentRun {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
}

const KEEP_CHARS = 20_000;

/**
 * Runs the agent in its place (the dev container, or the host with --on-host): output streamed to the
 * log, the prompt as a file it can read (and on its standard input when the preset takes it there).
 * Tethered: at the timeout, on the signal, or if Nexus dies, the agent and all it started end.
 */
export async function runAgent(options: {
  agent: AgentCommand;
  place: AgentPlace;
  prompt: string;
  /** The prompt file in the worktree, where its workspace keeps it (written unless `place.writesPrompt`). */
  promptFile: string;
  logFile: string;
  timeoutMs: number;
  env: Record<string, string>;
  signal?: AbortSignal;
}): Promise<AgentRun> {
  const started = performance.now();
  const promptFile = options.place.visible(options.promptFile);
  const argv = expandArgv(options.agent, { promptFile, prompt: options.prompt });
  const log = createWriteStream(options.logFile, { flags: "a" });
  let output = "";
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-KEEP_CHARS);
  };
  try {
    const prompt = { path: promptFile, text: options.prompt, stdin: Boolean(options.agent.stdin) };
    const launch = options.place.launch(argv, { ...options.env, NEXUS_PROMPT_FILE: promptFile }, prompt);
    for (const missing of launch.missing)
      collect(Buffer.from(`nexus: ${missing} is not a file on the host; not copied into the container\n`));
    const result = await runTethered(launch.target, {
      cmd: launch.cmd,
      stdinFile: launch.stdinFile,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: collect,
    });
    const durationMs = Math.round(performance.now() - started);
    return { exitCode: result.exitCode, timedOut: result.timedOut, output, durationMs };
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

/** Agents say so in many ways; any of these in the output stops the loop instead of burning iterations. */
export function rateLimited(output: string): boolean {
  return /rate.?limit|usage limit|too many requests|\b429\b|quota exceeded|limit reached/i.test(
    output.slice(-4000),
  );
}
