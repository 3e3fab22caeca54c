import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { writeAtomic } from "../../../core/atomic.js";
import type { Environment } from "../types.js";

/** Bump when the cached Environment's shape or meaning changes: old entries are then ignored. */
const CACHE_FORMAT = "1";
/** A folder with more files than this is not hashed whole (it is not a .devcontainer folder). */
const MAX_FILES = 2000;

/** A cached result: the files it was made from (path → content hash) and what it produced. */
export interface CacheEntry {
  format: string;
  inputs: Record<string, string>;
  environment: Environment;
  /** The image `devcontainer build` made, if any: checked on a hit. */
  builtImage?: string;
  /** What was ignored or left out, repeated on every hit. */
  notes?: string[];
}

export function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
}

/**
 * The key of a devcontainer.json before the CLI ran: its path and text, the worktree (the CLI
 * substitutes ${localWorkspaceFolder}), the ${localEnv:X} values it uses and the CLI's version.
 */
export function configKey(input: {
  worktree: string;
  configFile: string;
  text: string;
  cliVersion: string;
}): string {
  const names = [...input.text.matchAll(/\$\{localEnv:([^}:]+)/g)].map((m) => m[1] ?? "");
  const env = [...new Set(names)].sort().map((name) => `${name}=${process.env[name] ?? ""}`);
  return sha256(CACHE_FORMAT, input.cliVersion, input.worktree, input.configFile, input.text, env.join("\n"));
}

/** Content hash of a file, or of a folder's files (names, modes, contents); "missing" if absent. */
function hashPath(path: string): string {
  if (!existsSync(path)) return "missing";
  if (!statSync(path).isDirectory()) return sha256(modeOf(path), readFileSync(path));
  const files = listFiles(path);
  if (files.length > MAX_FILES) return `too-many-files:${files.length}`;
  return sha256(...files.flatMap((file) => [file, modeOf(join(path, file)), readFileSync(join(path, file))]));
}

function modeOf(path: string): string {
  return statSync(path).mode & 0o111 ? "x" : "-";
}

function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === ".git") continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(relative(dir, full));
      if (files.length > MAX_FILES) return;
    }
  };
  walk(dir);
  return files.sort();
}

/** path → content hash for each input, sorted by path. */
export function hashInputs(paths: string[]): Record<string, string> {
  return Object.fromEntries([...new Set(paths)].sort().map((path) => [path, hashPath(path)]));
}

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, "entries", `${key.slice(0, 32)}.json`);
}

/**
 * The cached entry for `key` if every input still has the hash it had and every generated compose
 * file still exists; undefined otherwise (a miss, never an error: the cache is only a cache).
 */
export function readCache(cacheDir: string, key: string): CacheEntry | undefined {
  const path = entryPath(cacheDir, key);
  if (!existsSync(path)) return undefined;
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(path, "utf8")) as CacheEntry;
  } catch {
    return undefined;
  }
  if (entry.format !== CACHE_FORMAT || !entry.inputs || !entry.environment) return undefined;
  for (const [input, hash] of Object.entries(entry.inputs)) if (hashPath(input) !== hash) return undefined;
  const generated = entry.environment.files.filter((file) => file.startsWith(cacheDir));
  if (!generated.every((file) => existsSync(file))) return undefined;
  return entry;
}

/** Writes the entry atomically (temp file + rename), so a crash never leaves half a cache file. */
export function writeCache(cacheDir: string, key: string, entry: Omit<CacheEntry, "format">): void {
  const path = entryPath(cacheDir, key);
  mkdirSync(join(cacheDir, "entries"), { recursive: true });
  writeAtomic(path, `${JSON.stringify({ format: CACHE_FORMAT, ...entry }, null, 2)}\n`);
}

/** Writes a generated file atomically, creating its folder. */
export function writeGenerated(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeAtomic(path, text);
}
