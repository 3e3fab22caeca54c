import { formatSeconds } from "../../core/output.js";
import { type Criterion, criterion } from "../report.js";

export interface MultiFacts {
  count: number;
  createMs: number;
  errors: string[];
  branches: { name: string; expected: string; checkedOut?: string; foreignFiles: number }[];
  /** Host ports of all workspaces together. */
  ports: number[];
  /** Undefined when the template has no PostgreSQL service to compare. */
  databases?: { service: string; leaks: number };
  switchesMs: number[];
}

/** Pure: the plan's criteria for several workspaces of one template running at once. */
export function evaluateMulti(facts: MultiFacts, limits: { maxSwitchMs: number }): Criterion[] {
  const wrongBranch = facts.branches.filter((b) => b.checkedOut !== b.expected || b.foreignFiles > 0);
  const duplicates = facts.ports.length - new Set(facts.ports).size;
  const slowest = facts.switchesMs.length ? Math.max(...facts.switchesMs) : Number.POSITIVE_INFINITY;
  const started = facts.errors.length === 0;
  return [
    criterion(
      "all_created",
      started,
      started ? `${facts.count} workspaces in ${formatSeconds(facts.createMs)}` : facts.errors.join("; "),
    ),
    criterion(
      "isolated_branches",
      started && facts.branches.length === facts.count && wrongBranch.length === 0,
      wrongBranch.length
        ? wrongBranch
            .map((b) => `${b.name}: ${b.checkedOut ?? "no branch"}, ${b.foreignFiles} foreign commit(s)`)
            .join("; ")
        : `${facts.branches.length} branches, each sees only its own commit`,
    ),
    criterion(
      "isolated_databases",
      started && (facts.databases === undefined || facts.databases.leaks === 0),
      facts.databases === undefined
        ? "no PostgreSQL service in the template: nothing to compare"
        : `${facts.databases.leaks} table(s) visible across workspaces`,
    ),
    criterion(
      "no_port_conflict",
      started && duplicates === 0,
      `${facts.ports.length} ports, ${duplicates} shared`,
    ),
    criterion(
      "context_switch_under_limit",
      started && slowest < limits.maxSwitchMs,
      Number.isFinite(slowest)
        ? `slowest switch ${formatSeconds(slowest)} (limit ${formatSeconds(limits.maxSwitchMs)})`
        : "a switch failed or none ran",
    ),
  ];
}
