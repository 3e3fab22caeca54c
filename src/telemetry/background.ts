import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { diagnose } from "../core/report.js";

/**
 * The worker script beside this module (dist/telemetry/), beside the bundle (dist/nexus.cjs ->
 * dist/telemetry/), or, when running from the TypeScript sources, in the build output.
 */
function workerPath(): string | undefined {
  const candidates = [
    "./upload-worker.js",
    "./telemetry/upload-worker.js",
    "../../dist/telemetry/upload-worker.js",
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Starts a detached upload that outlives this command; never waits for it, never throws. */
export function startBackgroundSync(version: string): void {
  const worker = workerPath();
  if (!worker) {
    diagnose("auto sync skipped: the upload worker is missing from this installation");
    return;
  }
  try {
    const child = spawn(process.execPath, [worker, version], {
      detached: true,
      stdio: "ignore",
      env: process.env,
      windowsHide: true,
    });
    child.on("error", (error) => diagnose(`auto sync could not start: ${error.message}`));
    child.unref();
  } catch (error) {
    diagnose(`auto sync could not start: ${(error as Error).message}`);
  }
}
