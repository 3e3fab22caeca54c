import type { EventRow } from "./store.js";

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean };
type KeyValue = { key: string; value: AnyValue };

const SEVERITY_INFO = 9;
const SEVERITY_ERROR = 17;

function attribute(key: string, value: string | number | boolean | null): KeyValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "boolean") return { key, value: { boolValue: value } };
  // OTLP/JSON: 64-bit integers are decimal strings; other numbers are doubles.
  if (typeof value === "number")
    return { key, value: Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value } };
  return { key, value: { stringValue: value } };
}

function nanos(iso: string): string {
  return `${BigInt(Date.parse(iso)) * 1_000_000n}`;
}

/** Events as OTLP/HTTP JSON logs (lowerCamelCase keys, integer enums), accepted by any collector. */
export function toOtlpLogs(events: EventRow[], version: string): unknown {
  const logRecords = events.map((e) => ({
    timeUnixNano: nanos(e.ts),
    observedTimeUnixNano: nanos(e.ts),
    severityNumber: e.success ? SEVERITY_INFO : SEVERITY_ERROR,
    severityText: e.success ? "INFO" : "ERROR",
    body: { stringValue: e.command },
    attributes: [
      attribute("nexus.event.id", e.id),
      attribute("nexus.command", e.command),
      attribute("nexus.duration_ms", e.duration_ms),
      attribute("nexus.success", Boolean(e.success)),
      attribute("nexus.exit_code", e.exit_code),
      attribute("nexus.error_category", e.error_category),
      attribute("nexus.workspace_hash", e.workspace_hash),
      attribute("nexus.task_hash", e.task_hash),
      attribute("nexus.template", e.template),
      attribute("nexus.services", e.services_count),
      attribute("nexus.ports", e.ports_count),
      attribute("session.id", e.session_id),
    ].filter(Boolean),
  }));
  return {
    resourceLogs: [
      {
        resource: { attributes: [attribute("service.name", "nexus"), attribute("service.version", version)] },
        scopeLogs: [{ scope: { name: "nexus.telemetry", version: "1" }, logRecords }],
      },
    ],
  };
}

/** OTEL_EXPORTER_OTLP_HEADERS: comma-separated key=value pairs, values URL-encoded. */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at > 0)
      headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
