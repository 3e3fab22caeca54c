import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nexusHome } from "../core/paths.js";

/** The per-installation key beside the database (0600): hashes cannot be brute-forced without it. */
export function keyFile(): string {
  return join(nexusHome(), "telemetry.key");
}

let cached: { file: string; key: Buffer } | undefined;

function installationKey(): Buffer {
  const file = keyFile();
  if (cached?.file === file) return cached.key;
  let key: Buffer;
  try {
    key = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    if (key.length < 32) throw new Error("short key");
  } catch {
    key = randomBytes(32);
    mkdirSync(nexusHome(), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    } catch {
      // Another process wrote it first (or a short key is replaced): the file on disk wins.
      const existing = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
      if (existing.length >= 32) key = existing;
      else writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600 });
    }
  }
  cached = { file, key };
  return key;
}

/** HMAC-SHA-256 of a name with the installation's key, hex. */
export function keyedHash(name: string): string {
  return createHmac("sha256", installationKey()).update(name).digest("hex");
}

/** After a purge deleted the key file: the next hash makes a fresh key. */
export function forgetKey(): void {
  cached = undefined;
}
