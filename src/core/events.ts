/**
 * What the domain tells whoever listens: a task or workspace changed, and details of the running
 * command. workspace/, tasks/ and ralph/ emit without knowing the listener (they import no
 * telemetry); program.ts subscribes telemetry for a command, the MCP server for its session. Twenty
 * lines, so no event library: listeners run one event after the other, in order, off the emitter's path.
 */

/** Something that happened to a task or workspace, whichever path caused it (CLI, Ralph, MCP, review). */
export interface DomainEvent {
  type: "task" | "workspace";
  /** task: created, started, completed, reopened, rejected, blocked; workspace: created, destroyed, ... */
  action: string;
  /** The task id or workspace name (telemetry keeps only a keyed hash of it). */
  subject: string;
  template?: string;
  services?: number;
  ports?: number;
  durationMs?: number;
  /** Non-identifying details (e.g. workspace creation stages). */
  raw?: Record<string, unknown>;
}

/** What a capability adds to the running command's record (e.g. creation stages, Ralph's iterations). */
interface CommandNote {
  template?: string;
  services?: number;
  ports?: number;
  raw?: Record<string, unknown>;
}

export type NexusEvent = { name: "domain"; data: DomainEvent } | { name: "note"; data: CommandNote };
export type Listener = (event: NexusEvent) => void | Promise<void>;

const listeners = new Set<Listener>();
let pending: Promise<unknown> = Promise.resolve();

/** Subscribes `listener` until the returned function is called; subscribing it again changes nothing. */
export function listen(listener: Listener): () => void {
  if (listeners.has(listener)) return () => undefined;
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Hands the event to every listener, after the events before it; never fails or delays the emitter. */
export function emit(event: NexusEvent): void {
  for (const listener of listeners) pending = pending.then(() => listener(event)).catch(() => undefined);
}

/** Resolves once every event emitted so far was handled: awaited before a command's end is recorded. */
export async function settled(): Promise<void> {
  await pending;
}
