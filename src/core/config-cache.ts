import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { NexusConfig } from "./config.js";
import type { Db } from "./db.js";
import type { ProjectPaths } from "./paths.js";

/** Bump when the config schema or its defaults change, so old cached parses are dropped. */
const CACHE_VERSION = 2;

/**
 * The validated config, from the database when config.yaml is unchanged. Loading yaml and zod costs
 * ~150 ms, more than a whole `task list` may take; they load only when the file changed.
 */
export async function loadConfigCached(paths: ProjectPaths, db: Db): Promise<NexusConfig> {
  const text = existsSync(paths.configFile) ? readFileSync(paths.configFile, "utf8") : "";
  const hash = createHash("sha256").update(`${CACHE_VERSION}\0${text}`).digest("hex");
  const cached = db.prepare("SELECT value FROM cache WHERE key = 'config'").pluck().get() as
    | string
    | undefined;
  if (cached) {
    const entry = JSON.parse(cached) as { hash: string; config: NexusConfig };
    if (entry.hash === hash) return entry.config;
  }
  const { loadConfig } = await import("./config.js");
  const config = loadConfig(paths);
  db.prepare("INSERT OR REPLACE INTO cache (key, value) VALUES ('config', ?)").run(
    JSON.stringify({ hash, config }),
  );
  return config;
}
