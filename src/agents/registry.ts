import type { Db } from "../core/db.js";
import { UsageError } from "../core/errors.js";
import type { TaskRow } from "../tasks/store.js";

export interface Agent {
  name: string;
  capabilities: string[];
  registeredAt: string;
  lastSeenAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function registerAgent(db: Db, name: string, capabilities: string[]): Agent {
  if (!NAME.test(name))
    throw new UsageError(`Invalid agent name "${name}".`, "Use letters, digits, ., _ and - (up to 64).");
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO agents (name, capabilities, registered_at, last_seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET capabilities = excluded.capabilities, last_seen_at = excluded.last_seen_at`,
  ).run(name, JSON.stringify(capabilities), now, now);
  return listAgents(db).find((a) => a.name === name)!;
}

export function listAgents(db: Db): Agent[] {
  const rows = db
    .prepare(
      "SELECT name, capabilities, registered_at AS registeredAt, last_seen_at AS lastSeenAt FROM agents ORDER BY name",
    )
    .all() as (Omit<Agent, "capabilities"> & { capabilities: string })[];
  return rows.map((r) => ({ ...r, capabilities: JSON.parse(r.capabilities) }));
}

/** Agents with what each holds; assignees that never registered are listed too. */
export function agentHoldings(agents: Agent[], rows: TaskRow[]): (Agent & { holding: string[] })[] {
  const byName = new Map(agents.map((a) => [a.name, { ...a, holding: [] as string[] }]));
  for (const row of rows) {
    if (!row.assignee || row.status === "done") continue;
    const entry = byName.get(row.assignee) ?? {
      name: row.assignee,
      capabilities: [],
      registeredAt: "",
      lastSeenAt: "",
      holding: [],
    };
    entry.holding.push(row.id);
    byName.set(row.assignee, entry);
  }
  return [...byName.values()];
}
