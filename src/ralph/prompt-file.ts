import { join } from "node:path";
import type { AgentPlace } from "../agents/sandbox.js";
import { writeInside } from "../core/inside.js";
import { loadSkills } from "../skills/skills.js";
import type { TaskContext } from "../tasks/context.js";
import { checksFor } from "../tasks/gates.js";
import type { Task } from "../tasks/model.js";
import { buildPrompt } from "./prompt.js";
import type { RunState } from "./state.js";

/**
 * A prompt's place in the worktree's ignored .nexus/runs/agent/: the agent reads it at the same place in
 * the container (the worktree is its workspace folder), and it neither dirties the tree the gates record
 * nor counts as the agent's work. On this machine it is written now, a link the agent planted there
 * replaced, never followed; for a worktree on a remote host the agent's launch writes it in the
 * container as the agent's user (see `AgentPlace.writesPrompt`): nothing is written on that host's
 * filesystem through a path the agent controls.
 */
export function writePromptFile(place: AgentPlace, worktree: string, name: string, prompt: string): string {
  const rel = join(".nexus", "runs", "agent", name);
  return place.writesPrompt ? join(worktree, rel) : writeInside(worktree, rel, prompt);
}

export function writePrompt(
  tc: TaskContext,
  args: { task: Task; worktree: string; state: RunState; place: AgentPlace },
): { prompt: string; promptFile: string } {
  const skills = loadSkills(join(tc.paths.nexusDir, "skills"));
  const prompt = buildPrompt({
    task: args.task,
    checks: checksFor(tc, args.task),
    skills,
    iterations: args.state.iterations,
  });
  return { prompt, promptFile: writePromptFile(args.place, args.worktree, "prompt.md", prompt) };
}
