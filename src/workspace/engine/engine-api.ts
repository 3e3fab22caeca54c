import { NexusError } from "../../core/errors.js";
import { engineTarget } from "./target.js";

/**
 * The engine's unix socket: a remote host's forwarded one (target.ts), else from DOCKER_HOST (default
 * /var/run/docker.sock); none for tcp:// or ssh://.
 */
export function engineSocket(host = process.env.DOCKER_HOST): string | undefined {
  const target = engineTarget();
  if (target) return target.socket;
  if (!host) return "/var/run/docker.sock";
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  return undefined;
}

/**
 * One GET of the Engine API (`/_ping`, `/containers/json?…`). Over the unix socket this is node:http
 * alone: dockerode costs ~0.12 s and docker-modem ~0.05 s to load, more than the call itself, on the
 * path of every `create`, `up` and `list` (`npm run bench`). tcp:// and ssh:// hosts go through docker-modem.
 * An engine that cannot be reached is a typed error; one that answers with an error status, an EngineError.
 */
export async function engineGet<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  return engineCall<T>({ method: "GET", path, query });
}

/** One POST with a JSON body (`/containers/ID/exec`), as engineGet. */
export async function enginePost<T>(path: string, body: object): Promise<T> {
  return engineCall<T>({ method: "POST", path, body });
}

/** The Engine's own refusal (404 no such container, 409 not running, 500): its words and status. */
export class EngineError extends NexusError {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(`The Docker Engine refused: ${message} (HTTP ${statusCode})`, {
      category: "docker",
      hint: "`docker info` and the engine's log (e.g. `journalctl -u docker`) say more.",
    });
    this.name = "EngineError";
  }
}

interface EngineCall {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  body?: object;
  /** Receives the answer's bytes as they come instead of collecting them (an exec's output stream). */
  onData?: (chunk: Buffer) => void;
  timeoutMs?: number;
}

async function engineCall<T>(call: EngineCall, socketPath = engineSocket()): Promise<T> {
  try {
    return socketPath ? await httpCall<T>(socketPath, call) : await modemCall<T>(call);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw engineUnreachable(error as NodeJS.ErrnoException);
  }
}

/** A call whose answer is a stream (an exec's output), over the unix socket only: see runInContainer. */
export async function engineStream(socketPath: string, call: Omit<EngineCall, "method">): Promise<void> {
  await engineCall<void>({ ...call, method: "POST" }, socketPath);
}

export function engineUnreachable(error: NodeJS.ErrnoException): NexusError {
  const target = engineTarget();
  if (target) return hostEngineUnreachable(target.name, error);
  const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  const denied = error.code === "EACCES" || /permission denied/i.test(error.message);
  return new NexusError(`Cannot reach the Docker Engine at ${where}: ${error.message}`, {
    category: "docker_unavailable",
    hint: denied
      ? "Your user may not use the Docker socket: add it to the docker group (`sudo usermod -aG docker $USER`, then log in again)."
      : "Start Docker (e.g. `sudo systemctl start docker`), check DOCKER_HOST, or use `--template none` for a worktree without containers.",
    cause: error,
  });
}

function hostEngineUnreachable(host: string, error: Error): NexusError {
  return new NexusError(`Cannot reach the Docker Engine of host ${host}: ${error.message}`, {
    category: "docker_unavailable",
    hint: `Check the host with \`nexus host check ${host}\`; once it answers, \`nexus workspace up\` carries on. Nothing on this machine was lost.`,
    cause: error,
  });
}

async function httpCall<T>(socketPath: string, call: EngineCall): Promise<T> {
  const { request } = await import("node:http");
  const search = new URLSearchParams(call.query ?? {}).toString();
  const path = search ? `${call.path}?${search}` : call.path;
  const body = call.body ? JSON.stringify(call.body) : undefined;
  const timeoutMs = call.timeoutMs ?? 5000;
  const headers = body
    ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
    : {};
  return new Promise((resolve, reject) => {
    // A connection per call (agent: false): Node 20's default agent keeps sockets alive, and writing to
    // one the engine has just closed (e.g. while dockerd restarts) fails with EPIPE.
    const options = { socketPath, path, method: call.method, headers, timeout: timeoutMs, agent: false };
    const req = request(options, (res) => {
      const status = res.statusCode ?? 0;
      const stream = status < 300 ? call.onData : undefined;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => (stream ? stream(chunk) : chunks.push(chunk)));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const json = /json/.test(res.headers["content-type"] ?? "") && text ? JSON.parse(text) : text;
        if (status >= 300)
          return reject(new EngineError(status, (json as { message?: string }).message ?? text.trim()));
        resolve(json as T);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end(body);
  });
}

async function modemCall<T>(call: EngineCall): Promise<T> {
  const { default: Modem } = await import("docker-modem");
  const modem = new Modem();
  const options = call.method === "GET" ? call.query : call.body;
  return new Promise((resolve, reject) => {
    modem.dial(
      {
        path: `${call.path}?`,
        method: call.method,
        options,
        statusCodes: { 200: true, 201: true, 204: true },
      },
      (error, data) => {
        const status = (error as { statusCode?: number } | null)?.statusCode;
        if (error && status) return reject(new EngineError(status, (error as Error).message));
        return error ? reject(error) : resolve(data as T);
      },
    );
  });
}

/**
 * Starts an exec with its standard input attached (`Upgrade: tcp`): resolves with the raw socket, which
 * carries the multiplexed output one way and the command's stdin the other. Ending the socket's write
 * side closes the command's stdin; so does the connection dying with Nexus.
 */
export function engineHijack(
  socketPath: string,
  path: string,
  body: object,
): Promise<import("node:net").Socket> {
  return import("node:http").then(
    ({ request }) =>
      new Promise((resolve, reject) => {
        const text = JSON.stringify(body);
        const headers = {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
          connection: "Upgrade",
          upgrade: "tcp",
        };
        const req = request({ socketPath, path, method: "POST", headers, agent: false });
        req.on("upgrade", (_res, socket, head) => {
          if (head.length) socket.unshift(head);
          resolve(socket);
        });
        req.on("response", (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            reject(new EngineError(res.statusCode ?? 0, Buffer.concat(chunks).toString().trim())),
          );
        });
        req.on("error", (error) => reject(engineUnreachable(error as NodeJS.ErrnoException)));
        req.end(text);
      }),
  );
}
