import { randomUUID } from "node:crypto";
import type { Db } from "../core/db.js";
import { UsageError } from "../core/errors.js";
import { toOtlpLogs } from "./otlp.js";
import { touchSession } from "./session.js";
import { type EventRow, getSetting, setSetting } from "./store.js";
import { type BatchOutcome, postBatch } from "./upload.js";

const BATCH = 500;

export interface SyncSetup {
  endpoint: string;
  format: "otlp" | "json";
  allowHttp?: boolean;
}

export interface SyncTarget {
  endpoint: string;
  format: "otlp" | "json";
  allowHttp: boolean;
  /** Where the endpoint came from: the hint for plain http depends on it. */
  source: "config" | "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" | "OTEL_EXPORTER_OTLP_ENDPOINT";
}

export function setupSync(db: Db, setup: SyncSetup): void {
  checkEndpoint({ ...setup, allowHttp: Boolean(setup.allowHttp), source: "config" });
  setSetting(db, "sync.endpoint", setup.endpoint);
  setSetting(db, "sync.format", setup.format);
  setSetting(db, "sync.allow_http", setup.allowHttp ? "1" : undefined);
}

function checkEndpoint(target: SyncTarget): URL {
  const named = target.source === "config" ? target.endpoint : `${target.endpoint} (from ${target.source})`;
  let url: URL;
  try {
    url = new URL(target.endpoint);
  } catch {
    throw new UsageError(
      `Not a URL: ${named}`,
      "Example: nexus sync setup --endpoint https://collector.example.com:4318/v1/logs",
    );
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && target.allowHttp)) return url;
  throw new UsageError(
    `Refusing to send telemetry over ${url.protocol.replace(":", "")}: ${named}`,
    target.source === "config"
      ? `Use https, or for a collector on a trusted network: nexus sync setup --endpoint ${target.endpoint} --allow-http`
      : "Use https, or opt in to plain http for a collector on a trusted network: `nexus sync now --allow-http`, or NEXUS_SYNC_ALLOW_HTTP=1 in the environment (which `sync auto on` uploads also read).",
  );
}

/**
 * The configured endpoint, else OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (used as it is), else
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs, as the OTLP exporter specification says.
 */
export function syncTarget(db: Db, options: { allowHttp?: boolean } = {}): SyncTarget | undefined {
  const format = (getSetting(db, "sync.format") ?? "otlp") as "otlp" | "json";
  const allowHttp =
    getSetting(db, "sync.allow_http") === "1" ||
    Boolean(options.allowHttp) ||
    process.env.NEXUS_SYNC_ALLOW_HTTP === "1";
  const configured = getSetting(db, "sync.endpoint");
  if (configured) return { endpoint: configured, format, allowHttp, source: "config" };
  const logs = process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  if (logs) return { endpoint: logs, format: "otlp", allowHttp, source: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" };
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) return undefined;
  return {
    endpoint: `${base.replace(/\/$/, "")}/v1/logs`,
    format: "otlp",
    allowHttp,
    source: "OTEL_EXPORTER_OTLP_ENDPOINT",
  };
}

/** `sync auto on|off`: upload in the background after commands, or only on `sync now`. */
export function setAutoSync(db: Db, on: boolean): void {
  setSetting(db, "sync.auto", on ? "1" : "0");
}

/** Endpoint, pending events, last attempt and error: what `sync status` shows. */
export function syncStatus(db: Db) {
  return {
    target: syncTarget(db) ?? null,
    auto: getSetting(db, "sync.auto") === "1",
    pending: pendingCount(db),
    lastAttempt: getSetting(db, "sync.last_attempt") ?? null,
    lastSuccess: getSetting(db, "sync.last_success") ?? null,
    lastError: getSetting(db, "sync.last_error") ?? null,
    retryNotBefore: getSetting(db, "sync.retry_not_before") ?? null,
  };
}

export function pendingCount(db: Db): number {
  return db
    .prepare("SELECT COUNT(*) FROM events WHERE id > ?")
    .pluck()
    .get(Number(getSetting(db, "sync.watermark") ?? 0)) as number;
}

export interface SyncResult {
  endpoint: string;
  /** Events posted. */
  sent: number;
  /** Events the collector stored. */
  accepted: number;
  /** Events the collector reported in a partial success as rejected. */
  rejected: number;
  /** Events in batches refused with HTTP 400: never retried, recorded, and skipped. */
  skipped: number;
  batches: number;
  problems: string[];
}

export interface SyncOptions {
  timeoutMs?: number;
  maxWaitMs?: number;
  allowHttp?: boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** A random id for this installation, sent as `service.instance.id` (not derived from anything). */
function instanceId(db: Db): string {
  const existing = getSetting(db, "sync.instance_id");
  if (existing) return existing;
  const id = randomUUID();
  setSetting(db, "sync.instance_id", id);
  return id;
}

/** Uploads what is pending (see `upload`); a failure is kept as `sync.last_error` and thrown. */
export async function syncNow(db: Db, version: string, options: SyncOptions = {}): Promise<SyncResult> {
  try {
    return await upload(db, version, options);
  } catch (error) {
    setSetting(db, "sync.last_error", (error as Error).message);
    throw error;
  }
}

/**
 * Uploads the events after the watermark in batches. The watermark moves after a batch is answered:
 * accepted (a partial success's rejections are reported and recorded) or refused with a 400 (never
 * retried: recorded and skipped, so one bad batch cannot block the next). Any other failure keeps the
 * batch queued for the next sync.
 */
async function upload(db: Db, version: string, options: SyncOptions): Promise<SyncResult> {
  const target = syncTarget(db, options);
  if (!target)
    throw new UsageError(
      "Sync is not set up.",
      "Run `nexus sync setup --endpoint URL` (or set OTEL_EXPORTER_OTLP_LOGS_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT).",
    );
  checkEndpoint(target);
  const empty = { sent: 0, accepted: 0, rejected: 0, skipped: 0, batches: 0 };
  const result: SyncResult = { endpoint: target.endpoint, ...empty, problems: [] };
  setSetting(db, "sync.last_attempt", new Date().toISOString());
  // Events recorded during this sync (its own error records) wait for the next one.
  const last = db.prepare("SELECT COALESCE(MAX(id), 0) FROM events").pluck().get() as number;
  const instance = instanceId(db);
  try {
    for (;;) {
      const watermark = Number(getSetting(db, "sync.watermark") ?? 0);
      const events = db
        .prepare("SELECT * FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")
        .all(watermark, last, BATCH) as EventRow[];
      if (events.length === 0) break;
      note(db, result, events.length, await postEvents(target, events, { ...options, version, instance }));
      setSetting(db, "sync.watermark", String(events[events.length - 1]!.id));
    }
  } catch (error) {
    const wait = (error as { retryAfterMs?: number }).retryAfterMs;
    if (wait) setSetting(db, "sync.retry_not_before", new Date(Date.now() + wait).toISOString());
    throw error;
  }
  setSetting(db, "sync.last_success", new Date().toISOString());
  setSetting(db, "sync.retry_not_before", undefined);
  setSetting(db, "sync.last_error", result.problems.length ? result.problems.join(" ") : undefined);
  return result;
}

function postEvents(
  target: SyncTarget,
  events: EventRow[],
  options: SyncOptions & { version: string; instance: string },
): Promise<BatchOutcome> {
  const { version, instance } = options;
  const body =
    target.format === "otlp" ? toOtlpLogs(events, version, instance) : { source: "nexus", version, events };
  return postBatch({
    endpoint: target.endpoint,
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs ?? 15_000,
    maxWaitMs: options.maxWaitMs ?? 60_000,
    sleep: options.sleep,
  });
}

function note(db: Db, result: SyncResult, count: number, outcome: BatchOutcome): void {
  result.sent += count;
  result.batches++;
  if (outcome.kind === "bad_request") {
    result.skipped += count;
    const problem = `The collector refused a batch of ${count} events (HTTP 400${outcome.message ? `: ${outcome.message}` : ""}); it was skipped, not retried.`;
    result.problems.push(problem);
    recordSyncError(db, "sync_bad_request", { status: 400, events: count, message: outcome.message });
    return;
  }
  result.accepted += count - Math.min(count, outcome.rejected);
  result.rejected += Math.min(count, outcome.rejected);
  if (outcome.rejected > 0) {
    result.problems.push(
      `The collector rejected ${outcome.rejected} of ${count} events${outcome.message ? `: ${outcome.message}` : ""}.`,
    );
    recordSyncError(db, "sync_rejected", {
      rejected: outcome.rejected,
      events: count,
      message: outcome.message,
    });
  } else if (outcome.message) result.problems.push(`The collector warned: ${outcome.message}`);
}

/** An `error` event: what the collector refused, kept beside the commands (and synced next time). */
function recordSyncError(db: Db, category: string, raw: Record<string, unknown>): void {
  const now = new Date();
  const session = touchSession(db, { start: now, end: now }, { errors: 1 });
  db.prepare(
    `INSERT INTO events (timestamp, session_id, event_type, action, command, duration_ms, success, exit_code,
       error_category, nexus_version, raw_data) VALUES (?, ?, 'error', 'sync', 'sync', 0, 0, 1, ?, '', ?)`,
  ).run(now.toISOString(), session, category, JSON.stringify(raw));
}
