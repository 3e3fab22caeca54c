import { preview, UsageError } from "../core/errors.js";
import { validateWorkspaceName } from "../workspace/names.js";

export { preview };

/**
 * Input limits shared by the CLI and MCP. Everything a task stores lands in the git-tracked
 * tasks.jsonl and in every later listing an agent reads, so nothing may be unbounded.
 */
export const LIMITS = {
  title: 200,
  text: 10_000,
  agent: 64,
  check: 1_000,
  checks: 20,
  id: 32,
  ids: 50,
  label: 64,
  labels: 20,
  workspace: 40,
} as const;

/** Letters, digits and . _ : @ + - (spaces inside); `review-agent:claude`, OS user names, emails. */
const AGENT_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} ._:@+-]{0,62}[\p{L}\p{N}._:@+-])?$/u;

function tooLong(what: string, value: string, max: number, hint: string): never {
  throw new UsageError(
    `The ${what} is ${value.length} characters; the limit is ${max}: ${preview(value)}.`,
    hint,
  );
}

export function checkTitle(title: string): void {
  if (title.length > LIMITS.title)
    tooLong("title", title, LIMITS.title, "Keep the title short; put the details in the description.");
}

/** Descriptions, notes and reasons. */
export function checkText(what: string, text: string | undefined): void {
  if (text !== undefined && text.length > LIMITS.text)
    tooLong(what, text, LIMITS.text, "Shorten it; link to a file or an issue for long material.");
}

export function checkAgentName(name: string, what = "agent name"): void {
  if (name.length > LIMITS.agent)
    tooLong(what, name, LIMITS.agent, "Use a short agent name such as claude-1 or ann.");
  if (!AGENT_NAME.test(name))
    throw new UsageError(
      `Invalid ${what} ${preview(name)}.`,
      `Use up to ${LIMITS.agent} letters, digits, spaces and . _ : @ + -, starting and ending with a letter or digit.`,
    );
}

export function checkChecks(checks: string[] | undefined): void {
  if (!checks) return;
  if (checks.length > LIMITS.checks)
    throw new UsageError(
      `A task takes at most ${LIMITS.checks} checks; ${checks.length} were given.`,
      "Combine related commands into one script (e.g. `npm test`) and check that.",
    );
  for (const check of checks) {
    if (!check.trim()) throw new UsageError("A check cannot be empty.", "Give a command, e.g. npm test.");
    if (check.length > LIMITS.check)
      tooLong("check command", check, LIMITS.check, "Put long commands in a script and check that.");
  }
}

export function checkTaskId(id: string): void {
  if (id.length > LIMITS.id)
    throw new UsageError(
      `No task can have the id ${preview(id)}: ids are at most ${LIMITS.id} characters.`,
      "Task ids look like nx-3f9a; run `nexus task list` to see them.",
    );
}

export function checkTaskIds(ids: string[] | undefined): void {
  if (!ids) return;
  if (ids.length > LIMITS.ids)
    throw new UsageError(
      `A task can depend on at most ${LIMITS.ids} tasks; ${ids.length} were given.`,
      "Group the work under fewer tasks.",
    );
  for (const id of ids) checkTaskId(id);
}

export function checkLabels(labels: string[] | undefined): void {
  if (!labels) return;
  if (labels.length > LIMITS.labels)
    throw new UsageError(
      `A task takes at most ${LIMITS.labels} labels; ${labels.length} were given.`,
      "Keep the labels that people filter by.",
    );
  for (const label of labels)
    if (label.length > LIMITS.label) tooLong("label", label, LIMITS.label, "Use short labels such as auth.");
}

/** validateWorkspaceName echoes the name it refuses, so an overlong one is refused here first. */
export function checkWorkspace(name: string | null | undefined): void {
  if (!name) return;
  if (name.length > LIMITS.workspace)
    tooLong(
      "workspace name",
      name,
      LIMITS.workspace,
      "Use 1-40 lowercase letters, digits and single dashes (e.g. feature-auth).",
    );
  validateWorkspaceName(name);
}
