import type { NexusEvent } from "../core/events.js";

/**
 * Telemetry's subscription to the domain's events (core/events.ts): program.ts listens with it for a
 * command, the MCP server for its session. The recorder and its database load only when an event comes.
 */
export async function recordEvent(event: NexusEvent): Promise<void> {
  if (event.name === "note") return (await import("./recorder.js")).noteTelemetry(event.data);
  await (await import("./domain.js")).recordDomainEvent(event.data);
}
