import type { EventRow } from "./store.js";

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean };
type KeyValue = { key: string; value: AnyValue };
type Scalar = string | number | boolean | null | undefined;

const SEVERITY_INFO = 9;
const SEVERITY_ERROR = 17;

/** OTLP/JSON: 64-bit integers are decimal strings; a value typed as a double is always a double. */
function attribute(
  key: string,
  value: Scalar,
  type: "int" | "double" | "auto" = "auto",
): KeyValue | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value === "boolean") return { key, value: { boolValue: value } };
  if (typeof value === "number") {
    const asInt = type === "int" || (type === "auto" && Number.isInteger(value));
    return { key, value: asInt ? { intValue: String(Math.trunc(value)) } : { doubleValue: value } };
  }
  return { key, value: { stringValue: value } };
}

function nanos(iso: string): string {
  return `${BigInt(Date.parse(iso)) * 1_000_000n}`;
}

/** Workspace creation stages as `nexus.workspace.stage.<name>.duration_ms` doubles (names are Nexus's). */
function stageAttributes(raw: string | null): (KeyValue | undefined)[] {
  if (!raw) return [];
  try {
    const stages = (JSON.parse(raw) as { stages?: { stage?: string; ms?: number }[] }).stages ?? [];
    return stages
      .filter(
        (s) => typeof s.stage === "string" && /^[a-z_]{1,32}$/.test(s.stage) && typeof s.ms === "number",
      )
      .map((s) => attribute(`nexus.workspace.stage.${s.stage}.duration_ms`, s.ms, "double"));
  } catch {
    return [];
  }
}

function logRecord(e: EventRow) {
  const failed = !e.success;
  return {
    timeUnixNano: nanos(e.timestamp),
    observedTimeUnixNano: nanos(e.timestamp),
    severityNumber: failed ? SEVERITY_ERROR : SEVERITY_INFO,
    severityText: failed ? "ERROR" : "INFO",
    eventName: `nexus.${e.event_type}`,
    body: { stringValue: e.command },
    attributes: [
      attribute("nexus.event.id", e.id, "int"),
      attribute("nexus.event.type", e.event_type),
      attribute("nexus.event.action", e.action),
      attribute("nexus.command", e.command),
      attribute("nexus.duration_ms", e.duration_ms, "double"),
      attribute("nexus.success", !failed),
      attribute("nexus.outcome", e.outcome ?? null),
      attribute("process.exit.code", e.exit_code, "int"),
      attribute("error.type", failed ? (e.error_category ?? "_OTHER") : null),
      attribute("nexus.workspace.hash", e.workspace_hash),
      attribute("nexus.task.hash", e.task_hash),
      attribute("nexus.template", e.template_used),
      attribute("nexus.services_count", e.services_count, "int"),
      attribute("nexus.ports_used", e.ports_used, "int"),
      attribute("session.id", e.session_id),
      ...stageAttributes(e.raw_data),
    ].filter((a): a is KeyValue => a !== undefined),
  };
}

/** Events as OTLP/HTTP JSON logs (lowerCamelCase keys, integer enums), accepted by any collector. */
export function toOtlpLogs(events: EventRow[], version: string, instanceId = "unknown"): unknown {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            attribute("service.name", "nexus"),
            attribute("service.version", version),
            attribute("service.instance.id", instanceId),
          ],
        },
        scopeLogs: [{ scope: { name: "nexus.telemetry", version: "2" }, logRecords: events.map(logRecord) }],
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
