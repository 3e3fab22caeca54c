import { execFile, execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { parse, stringify } from "yaml";
import { runCli } from "./cli.js";
import { git, gitRepo } from "./fs.js";

/** The real-configuration corpus (issue 9): see test/fixtures/real/README.md. */
export const REAL = join(import.meta.dirname, "..", "fixtures", "real");

export interface CorpusEntry {
  kind: "compose" | "devcontainer";
  dir: string;
  /** Compose files in `-f` order, relative to dir. */
  files: string[];
  devService: string | null;
  runnable: boolean;
  env: Record<string, string>;
  notes?: string;
  devcontainerJson?: string;
  images?: Record<string, string>;
  composeConfigDrops?: string;
  /** Where the first compose file is: the repository root, or a subfolder (`scripts/`, `docker/`, `.devcontainer/`, …). */
  location?: "root" | "sub";
  /** An override file Compose reads by default (`compose.override.yaml`, `docker-compose.override.yml`) is among files. */
  override?: boolean;
  /** The profiles the file's services declare (none: every service starts by default). */
  profiles?: string[];
}

export function manifest(): CorpusEntry[] {
  return JSON.parse(readFileSync(join(REAL, "manifest.json"), "utf8")) as CorpusEntry[];
}

/** Builds the local stand-ins (`nexus-fixture/*:local`) the runnable fixtures use; cached layers make it fast. */
export function buildStandIns(): void {
  execFileSync("sh", [join(REAL, "images", "build.sh")], { stdio: ["ignore", "ignore", "pipe"] });
}

/** A fresh git repository holding one fixture (committed), with `nexus init` run in it. */
export async function fixtureRepo(entry: CorpusEntry): Promise<string> {
  const repo = gitRepo();
  cpSync(join(REAL, entry.dir), repo, { recursive: true });
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", `fixture ${entry.dir}`);
  const init = await runCli(["init"], repo);
  expect(init.code, init.stderr).toBe(0);
  return repo;
}

/** Sets the environment in .nexus/config.yaml: the repository's compose file(s) or its devcontainer.json. */
export function setEnvironment(
  repo: string,
  env: { compose?: { files: string[]; dev_service: string }; devcontainer?: string },
) {
  const file = join(repo, ".nexus", "config.yaml");
  const config = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
  if (env.compose) Object.assign(config, { default_template: "compose", compose: env.compose });
  else {
    Object.assign(config, { default_template: "devcontainer", devcontainer: { config: env.devcontainer } });
    delete config.compose;
  }
  writeFileSync(file, stringify(config));
}

export interface ComposeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `docker compose -p NAME --project-directory DIR -f ... <args>` with extra variables. */
export function dockerCompose(
  project: { name: string; projectDir: string; files: string[] },
  args: string[],
  env: Record<string, string> = {},
): Promise<ComposeRun> {
  const argv = ["compose", "-p", project.name, "--project-directory", project.projectDir];
  argv.push(...project.files.flatMap((f) => ["-f", f]), ...args);
  return new Promise((resolve) => {
    execFile(
      "docker",
      argv,
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `docker compose -p NAME -f ... config --format json`: Compose's own project directory (the first file's). */
export function dockerComposePlain(
  project: { name: string; files: string[] },
  env: Record<string, string> = {},
): Promise<ComposeRun> {
  const argv = ["compose", "-p", project.name, ...project.files.flatMap((f) => ["-f", f])];
  return new Promise((resolve) => {
    execFile(
      "docker",
      [...argv, "config", "--format", "json"],
      { env: { ...process.env, ...env } },
      (e, o, r) => resolve({ code: e ? 1 : 0, stdout: o, stderr: r }),
    );
  });
}

/**
 * Every path in a JSON value: object keys as `a.b`; an array element as `a[]=<canonical JSON>`, so arrays
 * are compared by presence of equal elements, not by position.
 */
export function keyPaths(value: unknown, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      out.set(path, "[array]");
      for (const item of v) out.set(`${path}[]=${canonical(item)}`, "[element]");
    } else if (v && typeof v === "object") {
      out.set(path, "{object}");
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else out.set(path, v);
  };
  walk(value, prefix);
  return out;
}

/** JSON with object keys sorted, so equal values print equally. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** Paths of `before` that `after` lacks or whose scalar value changed, unless `allowed` says Nexus owns them. */
export function lostPaths(before: unknown, after: unknown, allowed: (path: string) => boolean): string[] {
  const a = keyPaths(before);
  const b = keyPaths(after);
  const lost: string[] = [];
  for (const [path, value] of a) {
    if (allowed(path)) continue;
    if (!b.has(path)) lost.push(`${path} (missing)`);
    else if (b.get(path) !== value)
      lost.push(`${path}: ${JSON.stringify(value)} -> ${JSON.stringify(b.get(path))}`);
  }
  return lost;
}

/** devcontainer.json is JSONC: comments and trailing commas go, strings stay intact. */
export function parseJsonc(text: string): Record<string, unknown> {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1")) as Record<string, unknown>;
}

function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** Registry features cannot be fetched here: the copy in the temp repo keeps only local ("./x") ones. */
export function dropRegistryFeatures(configFile: string): string[] {
  const config = parseJsonc(readFileSync(configFile, "utf8"));
  const features = (config.features ?? {}) as Record<string, unknown>;
  const dropped = Object.keys(features).filter((id) => !id.startsWith("./") && !id.startsWith("../"));
  if (!dropped.length) return [];
  for (const id of dropped) delete features[id];
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return dropped;
}

export function imageExists(image: string): boolean {
  try {
    execFileSync("docker", ["image", "inspect", image], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A stand-in for an image no registry can deliver here: debian:bookworm-slim under the fixture's name. */
export function tagStandIn(image: string): void {
  execFileSync("docker", ["tag", "debian:bookworm-slim", image]);
}

/** SQL run with `docker exec` in a database container: create a table, count it. Stand-in images only. */
export function sqlIn(image: string, sql: string): string[] {
  if (image.includes("postgres"))
    return ["sh", "-c", `psql -U "\${POSTGRES_USER:-postgres}" -d "\${POSTGRES_DB:-postgres}" -tAc "${sql}"`];
  const password = '${MYSQL_ROOT_PASSWORD:+-p"$MYSQL_ROOT_PASSWORD"}';
  const database = '${MYSQL_DATABASE:+-D "$MYSQL_DATABASE"}';
  return ["sh", "-c", `mysql -uroot ${password} ${database} -N -e "${sql}"`];
}

/** A protocol-level answer from a published port: PostgreSQL, MySQL, HTTP, Redis, memcached, SSH, else TCP. */
export async function probePort(containerPort: number, hostPort: number): Promise<string> {
  const { POSTGRES_SSL_REQUEST, probeTcp } = await import("./docker.js");
  const answer = async (send: Buffer | undefined, expected: RegExp) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const got = await probeTcp(hostPort, send).then(
        (b) => b.toString("latin1"),
        (e: Error) => `error: ${e.message}`,
      );
      if (expected.test(got) || Date.now() > deadline) return got;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  if (containerPort === 5432) return answer(POSTGRES_SSL_REQUEST, /^[SN]$/);
  if (containerPort === 3306) return answer(undefined, /mysql_native_password|MariaDB|^.{4}\n/s);
  // Redis and Sentinel: an HTTP request would make Redis drop the connection without a word.
  if (containerPort === 6379 || containerPort === 26379) return answer(Buffer.from("PING\r\n"), /^\+PONG/);
  if (containerPort === 11211) return answer(Buffer.from("version\r\n"), /^VERSION/);
  if (containerPort === 22) return answer(undefined, /^SSH-/);
  return answer(Buffer.from("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"), /^HTTP\/1\.[01] /);
}
