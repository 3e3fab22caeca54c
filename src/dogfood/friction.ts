import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError, UsageError } from "../core/errors.js";
import type { ProjectPaths } from "../core/paths.js";
import {
  FRICTION_HEADER,
  type FrictionEntry,
  formatEntry,
  formatFriction,
  markResolved,
  parseFriction,
  type Severity,
} from "./friction-format.js";

const FRICTION_TYPES = ["command_confusion", "slow", "error", "missing_feature", "docs", "setup", "other"];

export function dogfoodDir(paths: Pick<ProjectPaths, "nexusDir">): string {
  return join(paths.nexusDir, "dogfooding");
}

function frictionFile(paths: Pick<ProjectPaths, "nexusDir">): string {
  return join(dogfoodDir(paths), "friction-log.md");
}

/** The folder, and the union merge that lets two branches' appended entries merge without a conflict. */
export function ensureDogfoodDir(paths: Pick<ProjectPaths, "nexusDir">): string {
  const dir = dogfoodDir(paths);
  mkdirSync(dir, { recursive: true });
  const attributes = join(dir, ".gitattributes");
  if (!existsSync(attributes)) writeFileSync(attributes, "friction-log.md merge=union\n");
  return dir;
}

function readFriction(paths: Pick<ProjectPaths, "nexusDir">) {
  const file = frictionFile(paths);
  return parseFriction(existsSync(file) ? readFileSync(file, "utf8") : "");
}

export interface AddFriction {
  text: string;
  type: string;
  severity: Severity;
  workaround?: string;
  date?: string;
}

/** Appends one block; no other line of the file is rewritten. */
export function addFriction(paths: Pick<ProjectPaths, "nexusDir">, input: AddFriction): FrictionEntry {
  const text = input.text.replace(/\s+/g, " ").trim();
  if (!text)
    throw new UsageError("The friction text is empty.", 'Say what got in the way: nexus friction add "..."');
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(input.type))
    throw new UsageError(
      `Bad friction type "${input.type}".`,
      `Use lowercase_with_underscores, e.g. ${FRICTION_TYPES.join(", ")}.`,
    );
  ensureDogfoodDir(paths);
  const taken = new Set(readFriction(paths).entries.map((e) => e.id));
  let id: string;
  do id = `fr-${randomBytes(3).toString("hex").slice(0, 4)}`;
  while (taken.has(id));
  const entry: FrictionEntry = {
    id,
    date: input.date ?? today(),
    type: input.type,
    severity: input.severity,
    text,
    workaround: input.workaround?.replace(/\s+/g, " ").trim() || undefined,
  };
  const file = frictionFile(paths);
  const current = existsSync(file) ? readFileSync(file, "utf8") : FRICTION_HEADER;
  const separator = current.endsWith("\n\n") ? "" : current.endsWith("\n") ? "\n" : "\n\n";
  if (!existsSync(file)) writeFileSync(file, `${current}${separator}${formatEntry(entry)}`);
  else appendFileSync(file, `${separator}${formatEntry(entry)}`);
  return entry;
}

/** Entries on or after `since` (YYYY-MM-DD, checked), and whether git left conflict markers. */
export function listFriction(paths: Pick<ProjectPaths, "nexusDir">, since?: string) {
  if (since) checkDate(since);
  const { entries, conflicted } = readFriction(paths);
  return { entries: entries.filter((e) => !since || e.date >= since), conflicted };
}

export function resolveFriction(
  paths: Pick<ProjectPaths, "nexusDir">,
  id: string,
  date = today(),
): FrictionEntry {
  const file = frictionFile(paths);
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const updated = markResolved(text, id, date);
  if (updated === undefined)
    throw new NotFoundError(`No friction entry ${id}.`, "List them with `nexus friction list`.");
  writeFileSync(file, updated);
  return readFriction(paths).entries.find((e) => e.id === id)!;
}

/** Rewrites a file git left with conflict markers: every entry of both sides, once each. */
export function repairFriction(paths: Pick<ProjectPaths, "nexusDir">): {
  entries: number;
  repaired: boolean;
} {
  const { entries, conflicted } = readFriction(paths);
  if (conflicted) writeFileSync(frictionFile(paths), formatFriction(entries));
  return { entries: entries.length, repaired: conflicted };
}

export function today(now = new Date()): string {
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 10);
}

export function checkDate(date: string): string {
  const parsed = new Date(`${date}T00:00:00`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parsed.getTime()) || !parsed.toISOString())
    throw new UsageError(`Bad date "${date}".`, "Use YYYY-MM-DD, e.g. nexus log 2026-11-25.");
  return date;
}
