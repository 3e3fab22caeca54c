import type { Db } from "../core/db.js";
import { NexusError, UsageError } from "../core/errors.js";
import { parseOtlpHeaders, toOtlpLogs } from "./otlp.js";
import { type EventRow, getSetting, setSetting } from "./store.js";

const BATCH = 500;

export interface SyncSetup {
  endpoint: string;
  format: "otlp" | "json";
  allowHttp?: boolean;
}

export function setupSync(db: Db, setup: SyncSetup): void {
  checkEndpoint(setup.endpoint, Boolean(setup.allowHttp));
  setSetting(db, "sync.endpoint", setup.endpoint);
  setSetting(db, "sync.format", setup.format);
  setSetting(db, "sync.allow_http", setup.allowHttp ? "1" : undefined);
}

function checkEndpoint(endpoint: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(
      `Not a URL: ${endpoint}`,
      "Example: nexus sync setup --endpoint https://collector.example.com:4318/v1/logs",
    );
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && allowHttp)) return url;
  throw new UsageError(
    `Refusing to send telemetry over ${url.protocol.replace(":", "")}: ${endpoint}`,
    "Use https, or pass --allow-http for a collector on a trusted network.",
  );
}

/** The configured endpoint, else OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/logs, as the spec says). */
export function syncTarget(
  db: Db,
): { endpoint: string; format: "otlp" | "json"; allowHttp: boolean } | undefined {
  const format = (getSetting(db, "sync.format") ?? "otlp") as "otlp" | "json";
  const allowHttp = getSetting(db, "sync.allow_http") === "1";
  const configured = getSetting(db, "sync.endpoint");
  if (configured) return { endpoint: configured, format, allowHttp };
  const env = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!env) return undefined;
  return { endpoint: `${env.replace(/\/$/, "")}/v1/logs`, format: "otlp", allowHttp };
}

export function pendingCount(db: Db): number {
  return db
    .prepare("SELECT COUNT(*) FROM events WHERE id > ?")
    .pluck()
    .get(Number(getSetting(db, "sync.watermark") ?? 0)) as number;
}

export interface SyncResult {
  sent: number;
  batches: number;
  endpoint: string;
}

/**
 * Uploads events after the watermark in batches; the watermark moves only after a 2xx, so a failed
 * upload loses nothing and the next sync resends exactly what did not arrive.
 */
export async function syncNow(db: Db, version: string): Promise<SyncResult> {
  const target = syncTarget(db);
  if (!target)
    throw new UsageError(
      "Sync is not set up.",
      "Run `nexus sync setup --endpoint URL` (or set OTEL_EXPORTER_OTLP_ENDPOINT).",
    );
  checkEndpoint(target.endpoint, target.allowHttp);
  const result: SyncResult = { sent: 0, batches: 0, endpoint: target.endpoint };
  setSetting(db, "sync.last_attempt", new Date().toISOString());
  for (;;) {
    const watermark = Number(getSetting(db, "sync.watermark") ?? 0);
    const events = db
      .prepare("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?")
      .all(watermark, BATCH) as EventRow[];
    if (events.length === 0) break;
    await post(target, events, version);
    setSetting(db, "sync.watermark", String(events[events.length - 1]!.id));
    result.sent += events.length;
    result.batches++;
  }
  setSetting(db, "sync.last_success", new Date().toISOString());
  setSetting(db, "sync.last_error", undefined);
  return result;
}

async function post(
  target: { endpoint: string; format: "otlp" | "json" },
  events: EventRow[],
  version: string,
): Promise<void> {
  const body = target.format === "otlp" ? toOtlpLogs(events, version) : { source: "nexus", version, events };
  let response: Response;
  try {
    response = await fetch(target.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...parseOtlpHeaders(process.env.OTEL_EXPORTER_OTLP_HEADERS),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw uploadError(`${(error as Error).message}`, error);
  }
  if (!response.ok) throw uploadError(`HTTP ${response.status} ${response.statusText}`);
}

function uploadError(reason: string, cause?: unknown): NexusError {
  return new NexusError(`Upload failed: ${reason}.`, {
    category: "sync",
    hint: "Nothing was lost: the events not acknowledged stay queued and the next `nexus sync now` resends them.",
    cause,
  });
}
