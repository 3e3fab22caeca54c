import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ComposeCandidate, findComposeFiles } from "../core/compose-files.js";
import { type DetectedEnvironment, writeDefaultConfig } from "../core/config.js";
import { detectDevLanguage } from "../core/dev-language.js";
import { ensureMergeDriver } from "../core/merge-driver-config.js";
import { findRepository } from "../core/paths.js";
import { DEVCONTAINER_FILES } from "../core/project-files.js";

export interface InitResult {
  root: string;
  created: string[];
  gates: string[];
  alreadyInitialised: boolean;
  environment?: DetectedEnvironment;
}

const IGNORE_LINES = [
  ".nexus/nexus.db",
  ".nexus/nexus.db-*",
  ".nexus/worktrees/",
  ".nexus/runs/",
  ".nexus/tasks.lock",
  ".nexus/*.tmp",
  ".nexus/compose/",
  ".nexus/cache/",
];

export interface InitOptions {
  /** Asked when several compose files are found (index into them); without it, the first is used. */
  choose?: (candidates: ComposeCandidate[]) => Promise<number>;
}

/** Idempotent: a second run only adds what is missing and never overwrites the user's config. */
export async function initProject(
  cwd: string = process.cwd(),
  options: InitOptions = {},
): Promise<InitResult> {
  const paths = await findRepository(cwd);
  const created: string[] = [];
  const alreadyInitialised = existsSync(paths.configFile);
  // Asked before anything is written: a question the user abandons leaves the repository untouched.
  const environment = await detectEnvironment(paths.root, alreadyInitialised ? undefined : options.choose);
  for (const dir of [paths.nexusDir, paths.templatesDir, join(paths.nexusDir, "dogfooding")]) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      created.push(dir);
    }
  }
  const gates = detectGates(paths.root);
  if (!alreadyInitialised) {
    writeDefaultConfig(paths.configFile, { gates, environment });
    created.push(paths.configFile);
  }
  const keep = join(paths.templatesDir, ".gitkeep");
  if (!existsSync(keep)) writeFileSync(keep, "");
  // The friction log merges as a union: two branches' appended entries never conflict.
  const dogfood = join(paths.nexusDir, "dogfooding", ".gitattributes");
  if (!existsSync(dogfood)) writeFileSync(dogfood, "friction-log.md merge=union\n");
  if (ensureIgnored(join(paths.root, ".gitignore"))) created.push(join(paths.root, ".gitignore"));
  await ensureMergeDriver(paths);
  return { root: paths.root, created, gates, alreadyInitialised, environment };
}

function ensureIgnored(file: string): boolean {
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const lines = new Set(current.split("\n").map((l) => l.trim()));
  const missing = IGNORE_LINES.filter((l) => !lines.has(l));
  if (missing.length === 0) return false;
  const prefix = current && !current.endsWith("\n") ? "\n" : "";
  writeFileSync(
    file,
    `${current}${prefix}# nexus: local state (the database is a cache; worktrees are per machine)\n${missing.join("\n")}\n`,
  );
  return true;
}

/** Default verification gates from the project's own manifests, so no task is unverified by default. */
export function detectGates(root: string): string[] {
  const gates: string[] = [];
  const pkgFile = join(root, "package.json");
  if (existsSync(pkgFile)) {
    try {
      const scripts = (JSON.parse(readFileSync(pkgFile, "utf8")).scripts ?? {}) as Record<string, string>;
      for (const name of ["typecheck", "lint", "test"])
        if (scripts[name]) gates.push(name === "test" ? "npm test" : `npm run ${name}`);
    } catch {
      // A broken package.json is the user's to fix; init still works.
    }
  }
  if (existsSync(join(root, "go.mod"))) gates.push("go vet ./...", "go test ./...");
  if (existsSync(join(root, "pyproject.toml"))) gates.push("pytest");
  const makefile = join(root, "Makefile");
  if (gates.length === 0 && existsSync(makefile) && /^test:/m.test(readFileSync(makefile, "utf8")))
    gates.push("make test");
  return gates;
}

/**
 * The repository's own environment, proposed by init: its devcontainer.json, else a compose file
 * (findComposeFiles: the root first). With several, `choose` picks one; without it, the first.
 */
export async function detectEnvironment(
  root: string,
  choose?: InitOptions["choose"],
): Promise<DetectedEnvironment | undefined> {
  const devcontainer = DEVCONTAINER_FILES.find((f) => existsSync(join(root, f)));
  const candidates = findComposeFiles(root);
  // A devcontainer.json wins; compose files beside it (not its own, in .devcontainer/) are listed.
  if (devcontainer) {
    const others = candidates.filter((c) => !c.file.startsWith(".devcontainer/"));
    return { kind: "devcontainer", file: devcontainer, ...(others.length ? { candidates: others } : {}) };
  }
  if (candidates.length === 0) return undefined;
  const index = candidates.length > 1 && choose ? await choose(candidates) : 0;
  const chosen = candidates[index] ?? candidates[0]!;
  const files = chosen.override ? [chosen.file, chosen.override] : [chosen.file];
  const services = new Set<string>();
  for (const file of files) for (const name of await serviceNames(join(root, file))) services.add(name);
  const devService = ["dev", "app", "web", "workspace"].find((s) => services.has(s));
  // No service to work in: Nexus adds its own dev container, for the language the repository is in.
  const ownDev = devService ? undefined : detectDevLanguage(root);
  return { kind: "compose", file: chosen.file, files, devService, candidates, ownDev };
}

async function serviceNames(file: string): Promise<string[]> {
  try {
    const { parse } = await import("yaml");
    return Object.keys(parse(readFileSync(file, "utf8"))?.services ?? {});
  } catch {
    return []; // Compose will say what is wrong with the file when a workspace starts.
  }
}
