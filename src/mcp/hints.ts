import { isNexusError } from "../core/errors.js";
import { safeJson, visible } from "../core/visible.js";
import type { ToolError } from "./schemas.js";

export type Result = {
  content: { type: "text"; text: string }[];
  /** An object: the result, or `{ error }` on a tool error (see schemas.ts). */
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** CLI commands an agent reaches over MCP through a tool instead. */
const TOOL_FOR: Record<string, string> = {
  "task list": "task_list",
  "task ready": "task_ready",
  "task claim": "task_claim",
  "task start": "task_claim",
  "task show": "task_show",
  "task deps": "task_show",
  "task history": "task_show",
  "task complete": "task_complete",
  "task reject": "task_reject",
  "task create": "task_create",
  "workspace list": "workspace_list",
  "workspace status": "workspace_list",
  "workspace create": "workspace_create",
  "workspace exec": "workspace_exec",
  "workspace shell": "workspace_exec",
  "workspace ports": "workspace_ports",
  land: "task_land",
};

/** Whole hints whose CLI wording does not translate word for word (see lifecycle.ts, operations.ts). */
const REWORDED: [RegExp, string][] = [
  [/^Start or claim it first: .*/, "Claim it first: call task_claim with its id."],
  [/^Start it first: nexus task start ID$/, "Claim it first: call task_claim with its id."],
  [/^Its gates are running; .*/, "Its gates are running; wait, then look at it with task_show."],
  [
    /^Approve or reject it: .*/,
    "Reject it with task_reject and a reason, or leave the approval to a reviewer.",
  ],
  [
    /^Start it again \(`nexus task start ID`\) and complete it\.$/,
    "Call task_claim to take it again, then task_complete.",
  ],
  [/^Start it again with `nexus task start ID` (.*)/, "Call task_claim to take it again $1"],
  [/^It is done; reject it to reopen: .*/, "It is done; call task_reject with a reason to reopen it."],
  [/^Claim it: nexus task claim (\S+) --agent (\S+)$/, "Call task_claim with id $1 and agent $2."],
  [/^See `nexus task deps \S+`; (.*)/, "Call task_show for each of them; $1"],
  [
    /^Example: nexus task create .*/,
    'Example: task_create with title "Add JWT login" and checks ["npm test"].',
  ],
];

/** A CLI hint in MCP terms: `Run \`nexus task list\`` becomes `Call task_list`; others are kept. */
export function mcpHint(hint: string): string {
  for (const [pattern, replacement] of REWORDED)
    if (pattern.test(hint)) return hint.replace(pattern, replacement);
  return hint.replace(
    /(\b(?:Run|run|See|see) )?`nexus (task|workspace|land)(?: ([a-z-]+))?[^`]*`/g,
    (whole, verb: string | undefined, group: string, command: string | undefined) => {
      const tool = TOOL_FOR[`${group} ${command}`] ?? TOOL_FOR[group];
      if (!tool) return whole;
      if (!verb) return tool;
      return `${verb.startsWith(verb[0]!.toUpperCase()) ? "Call" : "call"} ${tool}`;
    },
  );
}

export interface GuardOptions {
  /** The result as structuredContent (an object); default: the data itself. */
  structured?: (data: unknown) => unknown;
  /** Whether a result is a tool error all the same (a command's non-zero exit). */
  isError?: (data: unknown) => boolean;
}

/**
 * Every tool answers JSON, as text and as structuredContent (the same values: JSON, no undefined);
 * every NexusError becomes a tool error with its message and an MCP hint, in both.
 */
export async function guarded(fn: () => Promise<unknown>, options: GuardOptions = {}): Promise<Result> {
  try {
    const data = await fn();
    return {
      content: [{ type: "text", text: safeJson(data) }],
      structuredContent: JSON.parse(safeJson(options.structured ? options.structured(data) : data)),
      isError: options.isError?.(data) || undefined,
    };
  } catch (error) {
    return errorResult(error);
  }
}

/** A tool error: the text agents read, and the `error` branch every outputSchema has. */
export function errorResult(error: unknown, extra: Record<string, unknown> = {}): Result {
  return {
    content: [{ type: "text", text: errorText(error) }],
    structuredContent: { ...extra, error: toolError(error) },
    isError: true,
  };
}

// Messages quote what was given (titles, names): no raw control character reaches the agent.
const shown = (text: string) => visible(text, { multiline: true });

export function errorText(error: unknown): string {
  const { message, hint } = toolError(error);
  return hint ? `${message}\nHint: ${hint}` : message;
}

function toolError(error: unknown): ToolError {
  if (!isNexusError(error))
    return { message: `Unexpected error: ${shown((error as Error).message)}`, code: "internal" };
  const hint = error.hint ? shown(mcpHint(error.hint)) : undefined;
  return { message: shown(error.message), ...(hint ? { hint } : {}), code: error.category };
}
