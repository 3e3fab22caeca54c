import { NexusError } from "../core/errors.js";
import { parseOtlpHeaders } from "./otlp.js";

/** What a collector said about one batch. */
export type BatchOutcome =
  | { kind: "accepted"; rejected: number; message?: string }
  | { kind: "bad_request"; status: number; message: string };

export interface PostOptions {
  endpoint: string;
  body: string;
  timeoutMs: number;
  /** The longest this upload may wait for a collector that asks to retry later (429/503). */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;

/** The response text, capped: a collector's message, never a whole page. */
async function bodyText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 4000);
  } catch {
    return "";
  }
}

function statusMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: string; error?: string };
    return (parsed.message ?? parsed.error ?? text).toString().slice(0, 300);
  } catch {
    return text.trim().slice(0, 300);
  }
}

/** `Retry-After`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A 2xx answer: an empty body, `{}`, or an ExportLogsServiceResponse with a partialSuccess. */
function accepted(text: string): BatchOutcome {
  let partial: { rejectedLogRecords?: string | number; errorMessage?: string } | undefined;
  try {
    partial = (JSON.parse(text || "{}") as { partialSuccess?: typeof partial }).partialSuccess;
  } catch {
    partial = undefined;
  }
  const rejected = Number(partial?.rejectedLogRecords ?? 0) || 0;
  return { kind: "accepted", rejected, message: partial?.errorMessage || undefined };
}

/**
 * Posts one batch as the OTLP/HTTP specification says: a 2xx is read for a partial success, a 400
 * is never retried (the batch is returned as refused), 429/502/503/504 are retried after their
 * `Retry-After` (else an exponential back-off) within `maxWaitMs`; anything else is an error.
 */
export async function postBatch(options: PostOptions): Promise<BatchOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const response = await send(options);
    const text = await bodyText(response);
    if (response.ok) return accepted(text);
    if (response.status === 400) return { kind: "bad_request", status: 400, message: statusMessage(text) };
    const reason = `HTTP ${response.status}${text ? `: ${statusMessage(text)}` : ""}`;
    if (!RETRYABLE.has(response.status))
      throw uploadError(options.endpoint, reason, hintFor(response.status));
    const wait = retryAfterMs(response.headers.get("retry-after")) ?? 1000 * 2 ** (attempt - 1);
    if (attempt >= MAX_ATTEMPTS || waited + wait > options.maxWaitMs)
      throw uploadError(
        options.endpoint,
        `${reason} (the collector asked to retry in ${Math.ceil(wait / 1000)} s)`,
        undefined,
        {
          retryAfterMs: wait,
        },
      );
    waited += wait;
    await sleep(wait);
  }
}

async function send(options: PostOptions): Promise<Response> {
  try {
    return await fetch(options.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...parseOtlpHeaders(process.env.OTEL_EXPORTER_OTLP_HEADERS),
        ...parseOtlpHeaders(process.env.OTEL_EXPORTER_OTLP_LOGS_HEADERS),
      },
      body: options.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw uploadError(options.endpoint, networkCause(error, options.timeoutMs), undefined, { cause: error });
  }
}

/** "connection refused", not "fetch failed": the cause undici keeps in `error.cause`. */
export function networkCause(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string; name?: string };
  };
  if (e.name === "TimeoutError" || e.name === "AbortError" || e.cause?.name === "TimeoutError")
    return `no answer within ${timeoutMs / 1000} s`;
  const code = e.cause?.code ?? "";
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "DNS lookup failed",
    ECONNRESET: "connection reset by the server",
    ETIMEDOUT: "connection timed out",
    UND_ERR_CONNECT_TIMEOUT: "connection timed out",
    UND_ERR_HEADERS_TIMEOUT: `no answer within ${timeoutMs / 1000} s`,
    UND_ERR_SOCKET: "the connection closed unexpectedly",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
  };
  if (known[code]) return known[code]!;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS certificate not trusted (${code})`;
  return e.cause?.message ?? e.message ?? String(error);
}

function hintFor(status: number): string | undefined {
  if (status === 401 || status === 403)
    return "The collector refused the credentials: set them in OTEL_EXPORTER_OTLP_HEADERS (key=value,...). Nothing was lost.";
  if (status === 404) return "Check the path: OTLP/HTTP logs go to /v1/logs. Nothing was lost.";
  return undefined;
}

function uploadError(
  endpoint: string,
  reason: string,
  hint?: string,
  extra: { cause?: unknown; retryAfterMs?: number } = {},
): NexusError & { retryAfterMs?: number } {
  const error = new NexusError(`Upload to ${endpoint} failed: ${reason}.`, {
    category: "sync",
    hint:
      hint ??
      "Nothing was lost: the events not acknowledged stay queued and the next `nexus sync now` resends them.",
    cause: extra.cause,
  }) as NexusError & { retryAfterMs?: number };
  error.retryAfterMs = extra.retryAfterMs;
  return error;
}
