import { emit } from "../core/events.js";

/**
 * A task's state changed: telemetry (listening on core/events.ts) counts domain events, whatever path
 * caused them (CLI, `ralph run`, MCP, a review). Never fails or delays the change itself.
 */
export function taskEvent(
  action: "created" | "completed" | "rejected" | "started" | "blocked" | "landed" | "sent_back",
  id: string,
  raw?: Record<string, unknown>,
): void {
  emit({ name: "domain", data: { type: "task", action, subject: id, ...(raw ? { raw } : {}) } });
}
