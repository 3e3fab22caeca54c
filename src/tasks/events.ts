/**
 * A task's state changed: telemetry counts domain events, whatever path caused them (CLI, `ralph run`,
 * MCP, a review). Loaded only when a task changes; never fails the change itself.
 */
export function taskEvent(
  action: "created" | "completed" | "rejected" | "started" | "blocked",
  id: string,
): void {
  void import("../telemetry/domain.js")
    .then(({ recordDomainEvent }) => recordDomainEvent({ type: "task", action, subject: id }))
    .catch(() => undefined);
}
