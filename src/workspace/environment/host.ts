import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { writeAtomic } from "../../core/atomic.js";
import { gitRaw } from "../../core/git.js";
import { nexusHome } from "../../core/paths.js";
import type { HostSetup } from "./override.js";

const PROXY_VARS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"];

/** Whole bundles (they replace the store), in the order they are looked for; Nexus's own first. */
const CA_VARS = ["NEXUS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"];

/**
 * The bundle OpenSSL trusts by default on each family of systems (Debian/Ubuntu/Alpine, Fedora/RHEL,
 * openSUSE, macOS): a CA the user added to the system store is in it, so a workspace trusts it too.
 */
const SYSTEM_CA_STORES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

/**
 * What carries over from the host into a workspace: the user's uid/gid (files written in the
 * container belong to them), git identity, proxy variables and a CA bundle when the host has one.
 */
export async function hostSetup(root: string, env: NodeJS.ProcessEnv = process.env): Promise<HostSetup> {
  const user = userInfo();
  const [name, email] = await Promise.all([gitConfig(root, "user.name"), gitConfig(root, "user.email")]);
  return {
    uid: user.uid,
    gid: user.gid,
    user: user.username,
    gitName: name,
    gitEmail: email,
    proxy: proxyVars(env),
    caFile: caBundle(env),
  };
}

async function gitConfig(root: string, key: string): Promise<string | undefined> {
  const result = await gitRaw(["config", "--get", key], root);
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** Both spellings, as tools differ in which they read. */
export function proxyVars(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const name of PROXY_VARS) {
    const value = env[name] ?? env[name.toLowerCase()];
    if (!value) continue;
    vars[name] = value;
    vars[name.toLowerCase()] = value;
  }
  return vars;
}

/**
 * The CA bundle workspaces trust, as a whole bundle (containers point SSL_CERT_FILE at it): one a
 * variable names (NEXUS_CA_BUNDLE, or SSL_CERT_FILE, OpenSSL's own store, ...), else the host's system
 * store; NODE_EXTRA_CA_CERTS, which only adds to Node's CAs, is added to it (a file under
 * ~/.nexus/ca named by its content). Links are resolved: Docker mounts files.
 */
export function caBundle(
  env: NodeJS.ProcessEnv,
  stores: string[] = SYSTEM_CA_STORES,
  dir: string = join(nexusHome(), "ca"),
): string | undefined {
  const named = CA_VARS.map((name) => env[name]).filter((file): file is string => Boolean(file));
  const store = firstFile([...named, ...stores]);
  const extra = firstFile(env.NODE_EXTRA_CA_CERTS ? [env.NODE_EXTRA_CA_CERTS] : []);
  if (!extra || !store || extra === store) return store ?? extra;
  const [whole, added] = [readFileSync(store, "utf8"), readFileSync(extra, "utf8")];
  if (whole.includes(added.trim())) return store;
  const text = `${whole.trimEnd()}\n${added.trim()}\n`;
  const file = join(dir, `bundle-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.pem`);
  if (existsSync(file)) return file;
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomic(file, text, 0o644);
    return file;
  } catch {
    return extra; // a read-only home: the added CAs alone, as before
  }
}

function firstFile(files: string[]): string | undefined {
  for (const file of files) {
    try {
      const stat = statSync(file);
      if (stat.isFile() && stat.size > 0) return realpathSync(file);
    } catch {
      // not there: the next one
    }
  }
  return undefined;
}
