import { createServer } from "node:net";
import type { Db } from "../../core/db.js";
import { NexusError } from "../../core/errors.js";
import type { PortRequest } from "../environment/override.js";
import type { PortRecord } from "../store.js";
import { claimPort, type PortClaims } from "./port-claims.js";

export interface PortAllocation {
  ports: PortRecord[];
  /** Recorded ports that another program had taken, and what replaced them. */
  moved: { name: string; from: number; to: number }[];
  /** Bind probes made; 1 per new port in the normal case. */
  attempts: number;
}

export interface EnsurePortsOptions {
  workspace: string;
  requests: PortRequest[];
  range: { start: number; end: number };
  /** Ports already published by this workspace's running containers: in use, but by us. */
  owned?: Set<number>;
  /** Ports other containers on this engine publish (other repositories, other users): never offered. */
  busy?: Set<number>;
  /** Claims shared by every repository of this user (port-claims.ts): no two creates race for a port. */
  claims?: PortClaims;
}

export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Gives every requested container port a host port that is recorded, unique across workspaces
 * (a UNIQUE column) and currently bindable. Recorded ports are kept across down/up.
 */
export async function ensurePorts(db: Db, options: EnsurePortsOptions): Promise<PortAllocation> {
  const result: PortAllocation = { ports: [], moved: [], attempts: 0 };
  dropUnrequested(db, options.workspace, options.requests);
  for (const request of options.requests) {
    const recorded = findRecorded(db, options.workspace, request);
    if (recorded && options.owned?.has(recorded.hostPort)) {
      result.ports.push(recorded);
      continue;
    }
    if (recorded && !options.busy?.has(recorded.hostPort)) {
      result.attempts++;
      if ((await isPortFree(recorded.hostPort)) && claimed(options, recorded.hostPort)) {
        result.ports.push(recorded);
        continue;
      }
    }
    const port = await allocate(db, { ...options, request, result });
    if (recorded) result.moved.push({ name: request.name, from: recorded.hostPort, to: port.hostPort });
    result.ports.push(port);
  }
  return result;
}

async function allocate(
  db: Db,
  options: EnsurePortsOptions & { request: PortRequest; result: PortAllocation },
): Promise<PortRecord> {
  const skip = new Set<number>(options.busy);
  for (;;) {
    const port = reserve(db, { ...options, skip });
    options.result.attempts++;
    if ((await isPortFree(port.hostPort)) && claimed(options, port.hostPort)) return port;
    skip.add(port.hostPort);
  }
}

const claimed = (options: EnsurePortsOptions, port: number) =>
  !options.claims || claimPort(options.claims, port);

/** Picks the lowest port not recorded by any workspace and records it, in one write transaction. */
function reserve(
  db: Db,
  options: EnsurePortsOptions & { request: PortRequest; skip: Set<number> },
): PortRecord {
  const { workspace, request, range, skip } = options;
  return db
    .transaction((): PortRecord => {
      const used = new Set(
        (db.prepare("SELECT host_port FROM ports").pluck().all() as number[]).concat([...skip]),
      );
      for (let port = range.start; port <= range.end; port++) {
        if (used.has(port)) continue;
        db.prepare(
          `INSERT INTO ports (workspace, service, name, container_port, host_port) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (workspace, service, container_port) DO UPDATE SET host_port = excluded.host_port,
           name = excluded.name`,
        ).run(workspace, request.service, request.name, request.containerPort, port);
        return { workspace, ...request, hostPort: port };
      }
      throw new NexusError(`No free host port left in ${range.start}-${range.end}.`, {
        category: "port_conflict",
        hint: "Widen `ports` in .nexus/config.yaml or destroy unused workspaces (`nexus workspace prune`).",
      });
    })
    .immediate();
}

function findRecorded(db: Db, workspace: string, request: PortRequest): PortRecord | undefined {
  return db
    .prepare(
      `SELECT workspace, service, name, container_port AS containerPort, host_port AS hostPort
       FROM ports WHERE workspace = ? AND service = ? AND container_port = ?`,
    )
    .get(workspace, request.service, request.containerPort) as PortRecord | undefined;
}

function dropUnrequested(db: Db, workspace: string, requests: PortRequest[]): void {
  const keep = new Set(requests.map((r) => `${r.service}/${r.containerPort}`));
  const rows = db
    .prepare("SELECT service, container_port AS p FROM ports WHERE workspace = ?")
    .all(workspace) as {
    service: string;
    p: number;
  }[];
  const drop = db.prepare("DELETE FROM ports WHERE workspace = ? AND service = ? AND container_port = ?");
  for (const row of rows) if (!keep.has(`${row.service}/${row.p}`)) drop.run(workspace, row.service, row.p);
}

/** NEXUS_PORT_WEB style names for a port's environment variable. */
