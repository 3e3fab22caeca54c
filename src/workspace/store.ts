import type { Db } from "../core/db.js";
import { NexusError, NotFoundError } from "../core/errors.js";
import type { Environment } from "./environment/types.js";

export type WorkspaceState = "creating" | "running" | "stopped" | "error";

/** Where commands run in a workspace's dev container, as its last create/up set it up. */
export interface DevRecord {
  /** The Compose service developers work in. */
  service: string;
  /** The environment's remoteUser (commands run as it when Nexus runs as root). */
  remoteUser?: string;
  /** Where the worktree is mounted in the container. */
  workspaceFolder: string;
  /** remoteEnv: extra environment for commands run in it. */
  remoteEnv: Record<string, string>;
  /** On a remote host: the user commands run as there (its uid:gid, recorded at create/up). */
  user?: string;
}

export interface WorkspaceRecord {
  name: string;
  branch: string;
  template: string;
  templateHash: string | null;
  worktreePath: string;
  baseRef: string | null;
  state: WorkspaceState;
  postCreateDone: boolean;
  createdBranch: boolean;
  services: number;
  /** Compose profiles passed to every `up` (from --profile, config and COMPOSE_PROFILES at create). */
  profiles: string[];
  /** The Compose project its containers belong to; null until a create/up recorded it. */
  composeProject: string | null;
  /** Its dev container, as create/up recorded it; null for none, or a record from before it was kept. */
  dev: DevRecord | null;
  /** The remote host (`nexus host add`) its worktree and containers are on; null on this machine. */
  host: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PortRecord {
  workspace: string;
  service: string;
  name: string;
  containerPort: number;
  hostPort: number;
}

/** What a workspace's record keeps of its environment's dev service; none without one. */
export function devRecord(env: Environment | undefined): DevRecord | null {
  if (!env?.devService) return null;
  const { devService: service, remoteUser, workspaceFolder, remoteEnv } = env;
  return { service, ...(remoteUser ? { remoteUser } : {}), workspaceFolder, remoteEnv };
}

interface WorkspaceRow {
  name: string;
  branch: string;
  template: string;
  template_hash: string | null;
  worktree_path: string;
  base_ref: string | null;
  state: WorkspaceState;
  post_create_done: number;
  created_branch: number;
  services: number;
  profiles: string;
  compose_project: string | null;
  dev: string | null;
  host: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(row: WorkspaceRow): WorkspaceRecord {
  return {
    name: row.name,
    branch: row.branch,
    template: row.template,
    templateHash: row.template_hash,
    worktreePath: row.worktree_path,
    baseRef: row.base_ref,
    state: row.state,
    postCreateDone: row.post_create_done === 1,
    createdBranch: row.created_branch === 1,
    services: row.services,
    profiles: JSON.parse(row.profiles ?? "[]") as string[],
    composeProject: row.compose_project,
    dev: row.dev ? (JSON.parse(row.dev) as DevRecord) : null,
    host: row.host ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class WorkspaceStore {
  constructor(private readonly db: Db) {}

  insert(
    record: Omit<
      WorkspaceRecord,
      "createdAt" | "updatedAt" | "services" | "profiles" | "composeProject" | "dev" | "host"
    > & {
      profiles?: string[];
      host?: string | null;
    },
  ): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO workspaces (name, branch, template, template_hash, worktree_path, base_ref, state,
           post_create_done, created_branch, profiles, host, created_at, updated_at)
         VALUES (@name, @branch, @template, @templateHash, @worktreePath, @baseRef, @state,
           @postCreateDone, @createdBranch, @profiles, @host, @now, @now)`,
      )
      .run({
        ...record,
        profiles: JSON.stringify(record.profiles ?? []),
        host: record.host ?? null,
        postCreateDone: record.postCreateDone ? 1 : 0,
        createdBranch: record.createdBranch ? 1 : 0,
        now,
      });
  }

  /** The row is the claim on the name: of two concurrent creates, exactly one gets past here. */
  claim(record: Parameters<WorkspaceStore["insert"]>[0]): void {
    try {
      this.insert(record);
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
      throw new NexusError(`Workspace "${record.name}" already exists (another create just claimed it).`, {
        category: "conflict",
        hint: "Pick another name, or wait for the other create to finish.",
      });
    }
  }

  find(name: string): WorkspaceRecord | undefined {
    const row = this.db.prepare("SELECT * FROM workspaces WHERE name = ?").get(name) as
      | WorkspaceRow
      | undefined;
    return row ? fromRow(row) : undefined;
  }

  get(name: string): WorkspaceRecord {
    const record = this.find(name);
    if (record) return record;
    throw new NotFoundError(
      `No workspace named "${name}".`,
      "Run `nexus workspace list` to see the workspaces.",
    );
  }

  list(): WorkspaceRecord[] {
    const rows = this.db.prepare("SELECT * FROM workspaces ORDER BY name").all() as WorkspaceRow[];
    return rows.map(fromRow);
  }

  update(
    name: string,
    fields: {
      state?: WorkspaceState;
      postCreateDone?: boolean;
      templateHash?: string;
      services?: number;
      profiles?: string[];
      composeProject?: string;
      dev?: DevRecord | null;
    },
  ): void {
    const current = this.get(name);
    const dev = fields.dev === undefined ? current.dev : fields.dev;
    this.db
      .prepare(
        `UPDATE workspaces SET state = ?, post_create_done = ?, template_hash = ?, services = ?, profiles = ?,
           compose_project = ?, dev = ?, updated_at = ? WHERE name = ?`,
      )
      .run(
        fields.state ?? current.state,
        (fields.postCreateDone ?? current.postCreateDone) ? 1 : 0,
        fields.templateHash ?? current.templateHash,
        fields.services ?? current.services,
        JSON.stringify(fields.profiles ?? current.profiles),
        fields.composeProject ?? current.composeProject,
        dev ? JSON.stringify(dev) : null,
        new Date().toISOString(),
        name,
      );
  }

  remove(name: string): void {
    this.db.prepare("DELETE FROM workspaces WHERE name = ?").run(name);
  }

  ports(name: string): PortRecord[] {
    return this.db
      .prepare(
        `SELECT workspace, service, name, container_port AS containerPort, host_port AS hostPort
         FROM ports WHERE workspace = ? ORDER BY service, container_port`,
      )
      .all(name) as PortRecord[];
  }
}
