import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { NexusError } from "../../core/errors.js";
import { type ComposeProject, compose, composeFailure } from "./compose.js";

/** The parts of `docker compose config --format json` Nexus reads; Compose itself keeps the rest. */
export interface PortModel {
  target: number;
  published?: string;
  host_ip?: string;
  protocol?: string;
  name?: string;
}

export interface ServiceModel {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string | null>; target?: string };
  ports?: PortModel[];
  container_name?: string;
  profiles?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  command?: string[] | null;
  entrypoint?: string[] | null;
  [key: string]: unknown;
}

export interface ComposeModel {
  name: string;
  services: Record<string, ServiceModel>;
  networks?: Record<string, { external?: boolean; name?: string } | null>;
  volumes?: Record<string, { external?: boolean; name?: string } | null>;
}

/** Compose's view of the project's own files (no override): ports, builds, names to take over. */
export async function readModel(project: ComposeProject, modelCache?: ModelCache): Promise<ComposeModel> {
  const texts = project.files.map((f) => readFileSync(f, "utf8"));
  // env_file contents are folded into the model, and their names are only known after parsing.
  const cache = texts.some((t) => t.includes("env_file")) ? undefined : modelCache;
  const key = modelKey(project, texts);
  // Relative to the worktree, not projectDir: a file in server/ may name `..` (the worktree) as context.
  const here = { name: project.name, projectDir: project.root ?? project.projectDir };
  const cached = cache?.get(key);
  if (cached) return JSON.parse(relocate(cached, PLACEHOLDERS, here)) as ComposeModel;
  const result = await compose(project, ["config", "--format", "json"]);
  if (result.exitCode !== 0) throw unreadable(project, result.stderr);
  let model: ComposeModel;
  try {
    model = JSON.parse(result.stdout) as ComposeModel;
  } catch (error) {
    throw new NexusError("`docker compose config` printed something that is not JSON.", {
      category: "docker",
      hint: "Check `docker compose version` (Nexus needs Compose v2.24 or newer).",
      cause: error,
    });
  }
  cache?.set(key, relocate(JSON.stringify(model), here, PLACEHOLDERS));
  return model;
}

/** The file is the user's to fix: Compose's own words, the files, exit code 2, nothing created. */
function unreadable(project: ComposeProject, stderr: string): NexusError {
  const said = composeFailure("", stderr);
  if (said.category !== "docker") return said;
  const message = stderr.trim().split("\n").at(-1) ?? "";
  return new NexusError(
    `Docker Compose cannot read ${project.files.join(" + ")}: ${message.replace(/^.*?level=\w+ msg=/, "")}`,
    {
      category: "config",
      hint: `Fix the file (at the repository's root, \`${configCommand(project)}\` shows the same error), then retry. Nothing was created.`,
    },
  );
}

/**
 * The `docker compose … config` that reads the files as Nexus does, to run at the repository's root
 * (paths relative to the worktree: a failed create leaves no worktree, the checkout has the same files).
 */
export function configCommand(project: ComposeProject): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const root = project.root;
  const rel = (p: string) =>
    !root ? p : p === root ? "." : p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p;
  const dir = project.files[0] ? dirname(project.files[0]) : project.projectDir;
  const args = [
    ...(dir === project.projectDir ? [] : ["--project-directory", rel(project.projectDir)]),
    ...project.files.flatMap((f) => ["-f", rel(f)]),
    ...(project.profiles ?? []).flatMap((p) => ["--profile", p]),
  ];
  // With no --profile, a COMPOSE_PROFILES in the shell would enable some: Nexus empties it.
  const env = project.profiles?.length === 0 && process.env.COMPOSE_PROFILES ? "COMPOSE_PROFILES= " : "";
  return `${env}docker compose ${args.map(quote).join(" ")} config`;
}

export interface ModelCache {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/** The files' bytes, their paths and the variables Compose interpolates decide the model. */
function modelKey(project: ComposeProject, texts: string[]): string {
  const base = project.root ?? project.projectDir;
  const local = (f: string) => (f === base ? "." : f.startsWith(`${base}/`) ? f.slice(base.length) : f);
  const files = project.files.map(local);
  const hash = createHash("sha256").update(
    JSON.stringify([files, local(project.projectDir), project.profiles]),
  );
  for (const text of texts) hash.update(text);
  for (const file of [".env"]) {
    try {
      hash.update(readFileSync(`${project.projectDir}/${file}`));
    } catch {
      // no .env: nothing to hash
    }
  }
  const vars = Object.entries(process.env)
    .filter(([k]) => !/^(PWD|OLDPWD|SHLVL|_|NEXUS_SESSION_ID)$/.test(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  hash.update(JSON.stringify(vars));
  return `compose-model:${hash.digest("hex").slice(0, 32)}`;
}

export const PLACEHOLDERS = { name: "@@nexus-project@@", projectDir: "@@nexus-dir@@" };

/**
 * One model serves every workspace of the same files: it is cached with the project name and folder
 * replaced by placeholders (whole names only, so `feat` never matches inside `feat2`).
 */
export function relocate(
  text: string,
  from: Pick<ComposeProject, "name" | "projectDir">,
  to: typeof from,
): string {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text
    .replace(new RegExp(`${literal(from.projectDir)}(?=["/])`, "g"), to.projectDir)
    .replace(new RegExp(`${literal(from.name)}(?=["_-])`, "g"), to.name);
}

/**
 * Services `up` starts: runServices (and what they depend on, which Compose starts too), else every
 * service without a profile; plus, either way, those of the active profiles (`*`: every profile).
 */
export function activeServices(
  model: ComposeModel,
  runServices?: string[],
  profiles: string[] = [],
): string[] {
  const names = Object.keys(model.services);
  const enabled = (n: string) =>
    model.services[n]?.profiles?.some((p) => profiles.includes(p) || profiles.includes("*")) ?? false;
  if (!runServices?.length) return names.filter((n) => !model.services[n]?.profiles?.length || enabled(n));
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name) || !model.services[name]) return;
    wanted.add(name);
    for (const dep of Object.keys((model.services[name]?.depends_on ?? {}) as object)) add(dep);
  };
  for (const name of [...runServices, ...names.filter(enabled)]) add(name);
  return names.filter((n) => wanted.has(n));
}
