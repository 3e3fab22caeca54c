import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isNexusError } from "../../core/errors.js";
import { composePlugin } from "./compose.js";
import { EngineError, engineGet, enginePost, engineSocket, engineUnreachable } from "./engine-api.js";

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe("engineSocket", () => {
  it("reads DOCKER_HOST's unix socket, defaults to /var/run/docker.sock, and has none for tcp or ssh", () => {
    expect(engineSocket(undefined)).toBe("/var/run/docker.sock");
    expect(engineSocket("unix:///run/user/1000/docker.sock")).toBe("/run/user/1000/docker.sock");
    expect(engineSocket("tcp://10.0.0.2:2376")).toBeUndefined();
    expect(engineSocket("ssh://me@build-box")).toBeUndefined();
  });
});

/** An HTTP server on a unix socket stands in for the socket's far end: what is tested is the client. */
function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; socket: string }> {
  const socket = join(mkdtempSync(join(tmpdir(), "nexus-engine-")), "engine.sock");
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(socket, () => resolve({ server, socket })));
}

describe("engineGet", () => {
  it("parses JSON answers and returns text ones as they are", async () => {
    const { server, socket } = await serve((req, res) => {
      if (req.url === "/_ping") return res.writeHead(200, { "content-type": "text/plain" }).end("OK");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ Url: req.url }]));
    });
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      expect(await engineGet("/_ping")).toBe("OK");
      expect(await engineGet("/containers/json", { all: "1" })).toEqual([{ Url: "/containers/json?all=1" }]);
    } finally {
      server.close();
    }
  });

  it("reaches a tcp:// engine through docker-modem", async () => {
    const server = createServer((req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: req.url })),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${port}`;
    try {
      expect(await engineGet("/containers/json", { all: "0" })).toEqual({ url: "/containers/json?all=0" });
    } finally {
      server.close();
    }
  });

  it("gives the engine's own refusal as a typed error, and an unreachable engine as docker_unavailable", async () => {
    const { server, socket } = await serve((req, res) => {
      if (req.url === "/_ping") return res.writeHead(500).end("engine broke");
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"No such container: abc"}');
    });
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      const error = await engineGet("/_ping").catch((e: unknown) => e);
      expect(isNexusError(error) && error.category).toBe("docker");
      expect((error as Error).message).toBe("The Docker Engine refused: engine broke (HTTP 500)");
      const missing = await enginePost("/containers/abc/exec", { Cmd: ["true"] }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(EngineError);
      expect((missing as EngineError).statusCode).toBe(404);
      expect((missing as Error).message).toContain("No such container: abc");
    } finally {
      server.close();
    }
    process.env.DOCKER_HOST = `unix://${socket}.missing`;
    const missing = await engineGet("/_ping").catch((e: unknown) => e);
    expect((missing as Error).message).toContain("Cannot reach the Docker Engine");
    expect(isNexusError(missing) && missing.hint).toContain("Start Docker");
  });

  it("tells a user without access to the socket to join the docker group", () => {
    const denied = Object.assign(new Error("connect EACCES /var/run/docker.sock"), { code: "EACCES" });
    expect(engineUnreachable(denied).hint).toContain("docker group");
  });
});

describe("composePlugin", () => {
  it("finds the Compose plugin the docker CLI would run, DOCKER_CONFIG's first", () => {
    const config = mkdtempSync(join(tmpdir(), "nexus-docker-config-"));
    mkdirSync(join(config, "cli-plugins"));
    writeFileSync(join(config, "cli-plugins/docker-compose"), "#!/bin/sh\n");
    chmodSync(join(config, "cli-plugins/docker-compose"), 0o755);
    expect(composePlugin({ DOCKER_CONFIG: config })).toBe(join(config, "cli-plugins/docker-compose"));
    expect(composePlugin({ DOCKER_CONFIG: config, NEXUS_COMPOSE_VIA_DOCKER: "1" })).toBeUndefined();
  });
});

describe("listContainersLight", () => {
  it("sends all and the label filters as query parameters, over a unix socket and over tcp", async () => {
    const { listContainersLight } = await import("./docker.js");
    const seen: string[] = [];
    const handler = (req: { url?: string }, res: import("node:http").ServerResponse) => {
      seen.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    };
    const { server, socket } = await serve(handler);
    const tcp = createServer(handler);
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    try {
      process.env.DOCKER_HOST = `unix://${socket}`;
      expect(await listContainersLight({ label: ["nexus.repo=abc"] }, { all: false })).toEqual([]);
      process.env.DOCKER_HOST = `tcp://127.0.0.1:${(tcp.address() as { port: number }).port}`;
      expect(await listContainersLight({ label: ["nexus.repo=abc"] })).toEqual([]);
    } finally {
      server.close();
      tcp.close();
    }
    const queries = seen.map((url) => Object.fromEntries(new URL(url, "http://x").searchParams));
    expect(queries).toEqual([
      { all: "0", filters: '{"label":["nexus.repo=abc"]}' },
      { all: "1", filters: '{"label":["nexus.repo=abc"]}' },
    ]);
  });
});
