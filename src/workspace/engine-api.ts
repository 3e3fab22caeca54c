import { NexusError } from "../core/errors.js";

/** The engine's unix socket, from DOCKER_HOST (default /var/run/docker.sock); none for tcp:// or ssh://. */
export function engineSocket(host = process.env.DOCKER_HOST): string | undefined {
  if (!host) return "/var/run/docker.sock";
  if (host.startsWith("unix://")) return host.slice("unix://".length);
  return undefined;
}

/**
 * One GET of the Engine API (`/_ping`, `/containers/json?…`). Over the unix socket this is node:http
 * alone: dockerode costs ~0.12 s and docker-modem ~0.05 s to load, more than the call itself, on the
 * path of every `create`, `up` and `list` (`npm run bench`). tcp:// and ssh:// hosts go through docker-modem.
 */
export async function engineGet<T>(path: string, query: Record<string, string> = {}): Promise<T> {
  const socketPath = engineSocket();
  const search = new URLSearchParams(query).toString();
  try {
    return socketPath
      ? await httpGet<T>(socketPath, search ? `${path}?${search}` : path, 5000)
      : await modemGet<T>(path, query);
  } catch (error) {
    throw engineUnreachable(error as NodeJS.ErrnoException);
  }
}

export function engineUnreachable(error: NodeJS.ErrnoException): NexusError {
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

async function httpGet<T>(socketPath: string, path: string, timeoutMs: number): Promise<T> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    // A connection per call (agent: false): Node 20's default agent keeps sockets alive, and writing to
    // one the engine has just closed (e.g. while dockerd restarts) fails with EPIPE.
    const options = { socketPath, path, method: "GET", timeout: timeoutMs, agent: false };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${body.trim()}`));
        const json = /json/.test(res.headers["content-type"] ?? "");
        resolve((json ? JSON.parse(body) : body) as T);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end();
  });
}

async function modemGet<T>(path: string, query: Record<string, string>): Promise<T> {
  const { default: Modem } = await import("docker-modem");
  const modem = new Modem();
  return new Promise((resolve, reject) => {
    modem.dial(
      { path: `${path}?`, method: "GET", options: query, statusCodes: { 200: true } },
      (error, data) => (error ? reject(error) : resolve(data as T)),
    );
  });
}
