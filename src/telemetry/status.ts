import { existsSync, rmSync } from "node:fs";
import type { Db } from "../core/db.js";
import { NexusError } from "../core/errors.js";
import { forgetKey, keyFile } from "./key.js";
import { getSetting, isEnabled, offFlagFile, openTelemetry, telemetryFile, writeOffFlag } from "./store.js";
import { pendingCount, syncTarget } from "./sync.js";

export function telemetryStatus(db: Db) {
  const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  const target = syncTarget(db);
  return {
    recording: isEnabled(db) ? "on" : "off",
    database: telemetryFile(),
    events: count("events"),
    sessions: count("sessions"),
    patterns: count("patterns"),
    key: `${keyFile()} (per installation, 0600)`,
    collected: [
      "command name",
      "duration",
      "success and error category",
      "template",
      "service and port counts",
      "keyed hashes (HMAC-SHA-256) of workspace names and task ids",
      "task and workspace events (created, completed, reopened, destroyed)",
      "workspace creation stages",
    ],
    "never collected": ["arguments", "file contents", "paths", "environment values", "secrets"],
    sync: target
      ? `${target.format} → ${target.endpoint} (auto ${getSetting(db, "sync.auto") === "1" ? "on" : "off"}, ${pendingCount(db)} pending)`
      : "not set up (nothing leaves this machine)",
  };
}

/**
 * Deletes the database files outright: no events, sessions, patterns or sync settings are left.
 * Recording stays as it was: when it was off, the off flag beside the database keeps it off.
 */
export async function purgeTelemetry(): Promise<{ recording: "on" | "off" }> {
  const recording = (await recordingNow()) ? "on" : "off";
  if (recording === "off") writeOffFlag();
  for (const suffix of ["", "-wal", "-shm"]) removeFile(`${telemetryFile()}${suffix}`);
  // A new key: hashes recorded from now on cannot be linked to any synced before.
  removeFile(keyFile());
  forgetKey();
  return { recording };
}

/** A path under something that is not a folder cannot hold a file: there is nothing to delete. */
function removeFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return;
    throw new NexusError(`Cannot delete ${path}: ${(error as Error).message}`, {
      hint: "Check the permissions of its folder (NEXUS_HOME, by default ~/.nexus) and run the purge again.",
      category: "environment",
      cause: error,
    });
  }
}

async function recordingNow(): Promise<boolean> {
  let db: Db | undefined;
  try {
    db = await openTelemetry();
    return isEnabled(db);
  } catch {
    // An unreadable database is deleted anyway; only the off flag file still says "off".
    return !existsSync(offFlagFile());
  } finally {
    db?.close();
  }
}
