import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers/fs.js";
import { openDb } from "../../core/db.js";
import { NexusError } from "../../core/errors.js";
import { portEnvName } from "../environment/override.js";
import { WorkspaceStore } from "../store.js";
import { ensurePorts, isPortFree } from "./ports.js";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Holds the port (0: any free one) and returns it; one another program holds already counts as held. */
function listen(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "EADDRINUSE" ? resolve(port) : reject(error),
    );
    server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** A port nothing listens on a moment ago (the kernel's pick, released again). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function project(...names: string[]) {
  const db = openDb(join(tempDir(), "nexus.db"));
  const store = new WorkspaceStore(db);
  for (const name of names) {
    store.insert({
      name,
      branch: `nexus/${name}`,
      template: "t",
      templateHash: null,
      worktreePath: `/w/${name}`,
      baseRef: "HEAD",
      state: "running",
      postCreateDone: false,
      createdBranch: true,
    });
  }
  return db;
}

const web = { service: "dev", name: "web", containerPort: 3000 };
const pg = { service: "db", name: "postgres", containerPort: 5432 };
const range = { start: 47100, end: 47120 };

describe("port allocation", () => {
  it("gives the lowest free ports, unique across workspaces, stable on the next call", async () => {
    const db = project("a", "b");
    const a = await ensurePorts(db, { workspace: "a", requests: [web, pg], range });
    const b = await ensurePorts(db, { workspace: "b", requests: [web, pg], range });
    expect(a.ports.map((p) => p.hostPort)).toEqual([47100, 47101]);
    expect(b.ports.map((p) => p.hostPort)).toEqual([47102, 47103]);
    expect(a.attempts).toBe(2);
    const again = await ensurePorts(db, { workspace: "a", requests: [web, pg], range });
    expect(again.ports).toEqual(a.ports);
    expect(again.moved).toEqual([]);
  });

  it("skips ports another program holds, and moves a recorded port that was taken", async () => {
    const db = project("a");
    await listen(47100);
    const first = await ensurePorts(db, { workspace: "a", requests: [web], range });
    expect(first.ports[0]!.hostPort).toBe(47101);
    await listen(47101);
    const second = await ensurePorts(db, { workspace: "a", requests: [web], range });
    expect(second.moved).toEqual([{ name: "web", from: 47101, to: 47102 }]);
  });

  it("keeps ports owned by the workspace's running containers without probing them", async () => {
    const db = project("a");
    const first = await ensurePorts(db, { workspace: "a", requests: [web], range });
    await listen(first.ports[0]!.hostPort);
    const owned = await ensurePorts(db, {
      workspace: "a",
      requests: [web],
      range,
      owned: new Set([first.ports[0]!.hostPort]),
    });
    expect(owned.ports).toEqual(first.ports);
    expect(owned.attempts).toBe(0);
  });

  it("drops ports the template no longer publishes", async () => {
    const db = project("a");
    await ensurePorts(db, { workspace: "a", requests: [web, pg], range });
    const after = await ensurePorts(db, { workspace: "a", requests: [pg], range });
    expect(after.ports.map((p) => p.name)).toEqual(["postgres"]);
    expect(db.prepare("SELECT COUNT(*) FROM ports").pluck().get()).toBe(1);
  });

  it("fails clearly when the range is exhausted", async () => {
    const db = project("a");
    const error = await ensurePorts(db, {
      workspace: "a",
      requests: [web, pg],
      range: { start: 47130, end: 47130 },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(NexusError);
    expect(error.category).toBe("port_conflict");
    expect(error.hint).toContain("config.yaml");
  });

  it("probes and names ports", async () => {
    const held = await listen(0);
    expect(await isPortFree(held)).toBe(false);
    expect(await isPortFree(await freePort())).toBe(true);
    expect(portEnvName("web")).toBe("NEXUS_PORT_WEB");
    expect(portEnvName("dev-3000")).toBe("NEXUS_PORT_DEV_3000");
  });
});

describe("ports other containers publish", () => {
  it("are never offered, so the first bind probe succeeds, and a recorded one that became busy moves", async () => {
    const db = project("a");
    const busyRange = { start: 47100, end: 47110 };
    const req = [{ service: "web", name: "web", containerPort: 80 }];
    const busy = new Set([47100, 47101]);
    const first = await ensurePorts(db, { workspace: "a", requests: req, range: busyRange, busy });
    expect(first.ports[0]!.hostPort).toBe(47102);
    expect(first.attempts).toBe(1);
    const moved = await ensurePorts(db, {
      workspace: "a",
      requests: req,
      range: busyRange,
      busy: new Set([47102]),
    });
    expect(moved.ports[0]!.hostPort).not.toBe(47102);
    expect(moved.moved).toEqual([{ name: "web", from: 47102, to: moved.ports[0]!.hostPort }]);
  });
});

describe("port claims across repositories", () => {
  const request = [{ service: "web", name: "web", containerPort: 80 }];
  const range = { start: 43100, end: 43199 };

  it("never gives two repositories creating at once the same host port", async () => {
    // Each lease is probed free and recorded before Docker binds it: one after another, with nothing
    // bound in between, is the race two repositories' creates run.
    const dir = join(tempDir(), "port-claims");
    const ports: number[] = [];
    for (const i of [0, 1, 2]) {
      const claims = { dir, owner: `repo${i}/w` };
      const given = await ensurePorts(project("w"), { workspace: "w", requests: request, range, claims });
      ports.push(given.ports[0]!.hostPort);
    }
    expect(new Set(ports).size).toBe(3);
  });

  it("keeps a workspace's own claim across ups, and takes over a stale one", async () => {
    const { claimPort } = await import("./port-claims.js");
    const claims = { dir: join(tempDir(), "c"), owner: "a/w" };
    expect(claimPort(claims, 43150)).toBe(true);
    expect(claimPort(claims, 43150)).toBe(true);
    expect(claimPort({ ...claims, owner: "b/w" }, 43150)).toBe(false);
    expect(claimPort({ ...claims, owner: "b/w" }, 43150, Date.now() + 11 * 60 * 1000)).toBe(true);
  });
});
