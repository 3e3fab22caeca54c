import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../../core/atomic.js";

/**
 * Leases live in each repository's database, so two repositories creating workspaces at the same
 * moment could both find one host port free and both hand it to Docker ("port is already allocated").
 * A claim is a file per port in Nexus's home, made with O_EXCL: it holds the port for the few seconds
 * between the lease and the container's bind, after which Docker's own list of published ports
 * (EnsurePortsOptions.busy) protects it. A claim older than CLAIM_MS is stale and can be taken over.
 */
export interface PortClaims {
  dir: string;
  /** Who claims: the repository id and the workspace (the same owner may re-claim its ports). */
  owner: string;
}

const CLAIM_MS = 10 * 60 * 1000;

/** True when `port` is now ours (or claims cannot be kept: the bind probe and Docker still decide). */
export function claimPort(claims: PortClaims, port: number, now = Date.now()): boolean {
  const file = join(claims.dir, String(port));
  try {
    mkdirSync(claims.dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, claims.owner, { flag: "wx", mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return true;
  }
  try {
    const held = readFileSync(file, "utf8");
    if (held !== claims.owner && now - statSync(file).mtimeMs < CLAIM_MS) return false;
    if (held === claims.owner) utimesSync(file, now / 1000, now / 1000);
    else writeAtomic(file, claims.owner, 0o600);
    return true;
  } catch {
    return true;
  }
}
