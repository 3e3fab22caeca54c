import type { Task } from "../tasks/model.js";

export interface IterationSummary {
  iteration: number;
  agentExitCode: number | null;
  changed: boolean;
  passed: boolean;
  failures: string[];
}

export interface PromptInput {
  task: Task;
  checks: string[];
  skills: { name: string; description: string; body: string }[];
  iterations: IterationSummary[];
}

/**
 * The whole context a fresh agent needs: the task, how it is judged, what failed before and why,
 * what the project has learnt (skills), and what earlier iterations did. Continuity lives here,
 * never in the agent's memory.
 */
export function buildPrompt(input: PromptInput): string {
  const { task } = input;
  const failures = task.history.filter((e) => e.type === "gate_failed" || e.type === "rejected").slice(-5);
  const parts = [
    `# Task ${task.id}: ${task.title}`,
    task.description ? `\n${task.description}` : "",
    "\n## How this task is judged",
    "It is done only when every check below exits 0 (Nexus runs them after you finish; saying it is done does not count):",
    ...input.checks.map((c) => `- \`${c}\``),
    "\n## Earlier failures and rejections",
    ...(failures.length
      ? failures.map((e) =>
          e.type === "rejected"
            ? `- Rejected by ${e.by}: ${e.note}`
            : `- ${e.at}: ${(e.results ?? []).map((r) => `\`${r.command}\` exit ${r.exitCode}\n\n\`\`\`\n${r.outputTail}\n\`\`\``).join("\n")}`,
        )
      : ["- none yet"]),
    "\n## Previous iterations",
    ...(input.iterations.length
      ? input.iterations.map(
          (i) =>
            `- Iteration ${i.iteration}: agent exit ${i.agentExitCode ?? "killed"}, ${i.changed ? "changed files" : "changed nothing"}, gates ${i.passed ? "passed" : `failed (${i.failures.join(", ")})`}`,
        )
      : ["- this is the first"]),
    ...(input.skills.length
      ? [
          "\n## Skills (project knowledge)",
          ...input.skills.map((s) => `### ${s.name}\n${s.description}\n\n${s.body.trim()}`),
        ]
      : []),
    "\n## Rules",
    "- Work in this directory (the task's worktree); commit when the checks pass locally.",
    `- Use Nexus tasks, not a built-in todo list: \`nexus task show ${task.id}\` has the full history.`,
  ];
  return `${parts.filter((p) => p !== "").join("\n")}\n`;
}
