import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { demultiplex, runInContainer } from "./exec.js";

const saved = process.env.DOCKER_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

function frame(stream: 1 | 2, text: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([head, Buffer.from(text)]);
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

describe("demultiplex", () => {
  it("splits the Engine's frames into stdout and stderr, across chunk boundaries", () => {
    const out = collect();
    const err = collect();
    const feed = demultiplex(out.stream, err.stream);
    const bytes = Buffer.concat([frame(1, "hello "), frame(2, "oops"), frame(1, "world")]);
    const cuts = [0, 3, 9, 17, 20, bytes.length];
    for (let i = 1; i < cuts.length; i++) feed(bytes.subarray(cuts[i - 1], cuts[i]));
    expect(out.text()).toBe("hello world");
    expect(err.text()).toBe("oops");
  });
});

describe("runInContainer over the unix socket", () => {
  it("creates the exec, streams its output until it ends, and gives its exit code", async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (req.url === "/containers/c1/exec")
          return res.writeHead(201, { "content-type": "application/json" }).end('{"Id":"e1"}');
        if (req.url === "/exec/e1/start") {
          res.writeHead(200, { "content-type": "application/vnd.docker.raw-stream" });
          res.write(frame(1, "user=dev\n").subarray(0, 5));
          return setTimeout(
            () => res.end(Buffer.concat([frame(1, "user=dev\n").subarray(5), frame(2, "warn\n")])),
            20,
          );
        }
        res.writeHead(200, { "content-type": "application/json" }).end('{"ExitCode":3,"Running":false}');
      });
    });
    const socket = join(mkdtempSync(join(tmpdir(), "nexus-exec-")), "engine.sock");
    await new Promise<void>((done) => server.listen(socket, done));
    process.env.DOCKER_HOST = `unix://${socket}`;
    try {
      const out = collect();
      const err = collect();
      const code = await runInContainer({
        containerId: "c1",
        cmd: ["/bin/sh", "/run/nexus/init.sh"],
        user: "0:0",
        stdout: out.stream,
        stderr: err.stream,
      });
      expect(code).toBe(3);
      expect(out.text()).toBe("user=dev\n");
      expect(err.text()).toBe("warn\n");
      expect(JSON.parse(seen[0]?.split(" ").slice(2).join(" ") ?? "{}")).toMatchObject({
        Cmd: ["/bin/sh", "/run/nexus/init.sh"],
        User: "0:0",
        Tty: false,
      });
      expect(seen.map((s) => s.split(" ").slice(0, 2).join(" "))).toEqual([
        "POST /containers/c1/exec",
        "POST /exec/e1/start",
        "GET /exec/e1/json",
      ]);
    } finally {
      server.close();
    }
  });
});
