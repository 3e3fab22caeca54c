/**
 * How this machine reaches a remote workspace (src/workspace/remote/tunnel.ts, images.ts) against a
 * real "remote" host: an sshd and a second dockerd in their own network and mount namespaces
 * (test/helpers/remote-host.ts). Needs root and Docker: without them it skips, under CI=true it fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Host, type HostPaths, parseHostUrl, pinKey } from "../src/workspace/remote/hosts.js";
import { moveImages } from "../src/workspace/remote/images.js";
import { ssh, stopMaster } from "../src/workspace/remote/ssh.js";
import {
  closeTunnels,
  hostEngineSocket,
  openTunnels,
  socketGet,
  tunnelsOpen,
} from "../src/workspace/remote/tunnel.js";
import { dockerAvailable } from "./helpers/docker.js";
import { isolatedHome } from "./helpers/fs.js";
import { type RemoteHost, startRemoteHost } from "./helpers/remote-host.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());
const IMAGE = "debian:bookworm-slim";
/** A server in the slim image (no python, nc or busybox there; perl-base has IO::Socket). */
const SERVE_HI =
  '$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "hi\\n"; close $c}';

const ms = (start: number) => Math.round(performance.now() - start);

/** What a local TCP port answers first, or the error code (ECONNREFUSED) when nothing listens. */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 3000 });
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("end", () => resolve(data.trim()));
    socket.on("timeout", () => socket.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return ms(start);
}

describe.skipIf(!ready)("reaching a remote workspace", () => {
  let remote: RemoteHost;
  let host: Host;
  let paths: HostPaths;
  let socket: string;
  const key = `repo${process.pid}/ws-${Math.random().toString(36).slice(2, 8)}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  /** A tag of ours on the shared local engine (only the tag is removed afterwards, never the image). */
  const slashed = `nexus-test/tunnel-${process.pid}:moved`;
  const link = () => `nxt${remote.dir.split("-").pop()}h`;
  const remoteDocker = (...args: string[]) =>
    execFileSync("docker", args, {
      env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
      timeout: 60_000,
    })
      .toString()
      .trim();

  beforeAll(async () => {
    const home = isolatedHome();
    remote = await startRemoteHost(home);
    const dir = join(home, ".nexus", "hosts");
    paths = { config: join(home, ".nexus", "config.yaml"), dir, knownHosts: join(dir, "known_hosts") };
    pinKey(paths, "far", remote.hostKey());
    host = parseHostUrl("far", remote.url, remote.key);
  }, 90_000);

  afterAll(async () => {
    if (remote) execFileSync("ip", ["link", "set", link(), "up"]);
    if (host) {
      await closeTunnels(host, key, paths);
      await stopMaster(host, paths);
    }
    remote?.stop();
    const tags = [slashed, `${slashed.split(":")[0]}:lost`];
    for (const tag of tags)
      try {
        execFileSync("docker", ["image", "rm", tag], { timeout: 30_000, stdio: "ignore" });
      } catch {}
  }, 60_000);

  it("forwards the host's Docker socket, answers fast once forwarded and recovers a lost master", async () => {
    let start = performance.now();
    socket = await hostEngineSocket(host, { paths });
    const cold = ms(start);
    expect(socket.startsWith(paths.dir)).toBe(true);
    expect((await socketGet(socket, "/_ping")).body).toBe("OK");
    const info = JSON.parse((await socketGet(socket, "/info")).body);
    expect(info.DockerRootDir).toBe(join(remote.dir, "data"));
    start = performance.now();
    expect(await hostEngineSocket(host, { paths })).toBe(socket);
    const warm = ms(start);
    expect(warm).toBeLessThan(200);
    await stopMaster(host, paths);
    start = performance.now();
    expect(await hostEngineSocket(host, { paths })).toBe(socket);
    const recovered = ms(start);
    expect((await socketGet(socket, "/_ping")).body).toBe("OK");
    // A new master (as a command over ssh opens) has no forward; the old one's socket file is left.
    await stopMaster(host, paths);
    expect((await ssh(host, "true", { paths })).exitCode).toBe(0);
    expect(existsSync(socket)).toBe(true);
    expect(await socketGet(socket, "/_ping").catch(() => "gone")).toBe("gone");
    start = performance.now();
    expect(await hostEngineSocket(host, { paths })).toBe(socket);
    const onMaster = ms(start);
    expect((await socketGet(socket, "/_ping")).body).toBe("OK");
    console.log(
      `hostEngineSocket: cold ${cold} ms, warm ${warm} ms, after the master ended ${recovered} ms, on an open master ${onMaster} ms`,
    );
  }, 60_000);

  it("names the host when Docker does not answer there", async () => {
    const failure = hostEngineSocket(host, { paths, remoteSocket: "/var/run/nothing.sock" });
    await expect(failure).rejects.toMatchObject({ category: "docker_unavailable" });
    await expect(failure).rejects.toThrow(/Docker on far \(root@.*\) does not answer at \/var\/run\/nothing/);
  }, 30_000);

  it("moves an image the host lacks, then finds it there; an unknown one is missing", async () => {
    const events: string[] = [];
    const unknown = `nexus/none-${process.pid}:${Math.random().toString(36).slice(2)}`;
    let start = performance.now();
    const first = await moveImages(host, socket, [IMAGE, unknown], {
      paths,
      onProgress: (tag, state) => events.push(`${tag} ${state}`),
    });
    const seconds = ms(start) / 1000;
    expect(first).toEqual({ moved: [IMAGE], missing: [unknown], present: [] });
    expect(events).toEqual([`${IMAGE} moving`, `${IMAGE} moved`]);
    // A name with a slash, as Nexus's own (nexus/build:…), is looked up on the host by its path.
    execFileSync("docker", ["tag", IMAGE, slashed], { timeout: 30_000 });
    expect(await moveImages(host, socket, [slashed], { paths })).toEqual({
      moved: [slashed],
      missing: [],
      present: [],
    });
    const size = JSON.parse((await socketGet(socket, `/images/${IMAGE}/json`)).body).Size as number;
    start = performance.now();
    expect(await moveImages(host, socket, [IMAGE], { paths })).toEqual({
      moved: [],
      missing: [],
      present: [IMAGE],
    });
    const again = ms(start);
    expect(again).toBeLessThan(500);
    console.log(`moveImages: ${Math.round(size / 1e6)} MB in ${seconds} s; again ${again} ms`);
  }, 300_000);

  it("names the host when the move cannot reach it, and leaves no docker save behind", async () => {
    const lost = `${slashed.split(":")[0]}:lost`;
    execFileSync("docker", ["tag", IMAGE, lost], { timeout: 30_000 });
    const nowhere = { ...host, port: 1 };
    const failure = moveImages(nowhere, socket, [lost], { paths });
    await expect(failure).rejects.toMatchObject({ category: "environment" });
    await expect(failure).rejects.toThrow(/Cannot reach far \(root@.*:1\)/);
    const saves = execFileSync("ps", ["-eo", "args"]).toString();
    expect(saves).not.toContain(`docker save ${lost}`);
  }, 60_000);

  it("reaches a port the remote workspace publishes on the host's 127.0.0.1, until closed", async () => {
    const publish = `127.0.0.1:${port}:8080`;
    remoteDocker("run", "-d", "-p", publish, IMAGE, "perl", "-MIO::Socket::INET", "-e", SERVE_HI);
    expect(await firstLine(port)).toBe("ECONNREFUSED");
    const start = performance.now();
    await openTunnels(host, key, [port], paths);
    const opened = ms(start);
    expect(await tunnelsOpen(host, key, paths)).toBe(true);
    const answered = await until(async () => (await firstLine(port)) === "hi", 10_000);
    console.log(`the container's server answered through the tunnel after ${answered} ms more`);
    // Replacing the tunnels of the same workspace is not a conflict with itself.
    await openTunnels(host, key, [port], paths);
    expect(await firstLine(port)).toBe("hi");
    const closing = performance.now();
    await closeTunnels(host, key, paths);
    const closed = ms(closing);
    expect(await tunnelsOpen(host, key, paths)).toBe(false);
    expect(await firstLine(port)).toBe("ECONNREFUSED");
    await closeTunnels(host, key, paths);
    console.log(`openTunnels: ${opened} ms, closeTunnels: ${closed} ms`);
  }, 60_000);

  it("outlives the process that opened it: a later process finds and closes it by key", async () => {
    const tunnelJs = new URL("../dist/workspace/remote/tunnel.js", import.meta.url).pathname;
    const script = `const { openTunnels } = await import(process.argv[1]);
      const [host, key, port, paths] = JSON.parse(process.argv[2]);
      await openTunnels(host, key, [port], paths);`;
    const input = JSON.stringify([host, key, port, paths]);
    execFileSync("node", ["--input-type=module", "-e", script, tunnelJs, input], { timeout: 30_000 });
    expect(await tunnelsOpen(host, key, paths)).toBe(true);
    expect(await firstLine(port)).toBe("hi");
    await closeTunnels(host, key, paths);
    expect(await firstLine(port)).toBe("ECONNREFUSED");
  }, 60_000);

  it("refuses a local port another program holds, naming it", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const failure = openTunnels(host, key, [port], paths);
      await expect(failure).rejects.toMatchObject({ category: "port_conflict" });
      await expect(failure).rejects.toThrow(new RegExp(`Port ${port} on 127.0.0.1 is taken`));
      expect(await tunnelsOpen(host, key, paths)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 30_000);

  it("ends when the host stops answering or its sshd restarts, and opens again", async () => {
    const fast = { aliveIntervalS: 1, aliveCountMax: 2 };
    await openTunnels(host, key, [port], paths, fast);
    execFileSync("ip", ["link", "set", link(), "down"]);
    const silent = await until(async () => !(await tunnelsOpen(host, key, paths)), 10_000);
    execFileSync("ip", ["link", "set", link(), "up"]);
    await openTunnels(host, key, [port], paths, fast);
    expect(await firstLine(port)).toBe("hi");
    const sshd = execFileSync("cat", [join(remote.dir, "sshd.pid")])
      .toString()
      .trim();
    execFileSync("pkill", ["-P", sshd]);
    execFileSync("kill", [sshd]);
    const restarted = await until(async () => !(await tunnelsOpen(host, key, paths)), 10_000);
    await until(async () => (await firstLine(port)) === "ECONNREFUSED", 5_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await until(
      () =>
        openTunnels(host, key, [port], paths, fast).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    expect(await firstLine(port)).toBe("hi");
    console.log(`tunnel ended ${silent} ms after the link went down, ${restarted} ms after sshd restarted`);
  }, 60_000);
});
