import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { NotFoundError, UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { parseYaml } from "../core/yaml-file.js";
import { startOrder } from "./start-order.js";
import { hashDirectory } from "./template-files.js";
import { type ComposeFile, composeSchema, type ServiceSpec } from "./template-schema.js";

export interface ResolvedService extends ServiceSpec {
  name: string;
  /** Absolute build context, when the service is built. */
  contextDir?: string;
  /** The image the container runs: the pulled image or `nexus/<context>:<hash>` for built ones. */
  imageRef: string;
}

export interface Template {
  name: string;
  dir: string;
  source: "builtin" | "project";
  description: string;
  compose: ComposeFile;
  services: ResolvedService[];
  devService?: string;
  hash: string;
}

const HINT = "Fix the template (see docs/templates.md), then retry. Nothing was created.";

export function builtinTemplatesDir(): string {
  return join(packageRoot(), "templates");
}

function templateDirs(projectTemplatesDir: string): { dir: string; source: Template["source"] }[] {
  return [
    { dir: projectTemplatesDir, source: "project" },
    { dir: builtinTemplatesDir(), source: "builtin" },
  ];
}

export function listTemplateNames(
  projectTemplatesDir: string,
): { name: string; source: Template["source"] }[] {
  const seen = new Map<string, Template["source"]>();
  for (const { dir, source } of templateDirs(projectTemplatesDir)) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (
        entry.isDirectory() &&
        !entry.name.startsWith("_") &&
        existsSync(join(dir, entry.name, "compose.yaml"))
      ) {
        if (!seen.has(entry.name)) seen.set(entry.name, source);
      }
    }
  }
  return [...seen].map(([name, source]) => ({ name, source })).sort((a, b) => a.name.localeCompare(b.name));
}

export function loadTemplate(name: string, projectTemplatesDir: string, skip?: string): Template {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name) || name.includes("..")) {
    throw new UsageError(
      `Invalid template name "${name}".`,
      "Template names are folder names: lowercase, digits, -, _ and .",
    );
  }
  for (const { dir, source } of templateDirs(projectTemplatesDir)) {
    const templateDir = join(dir, name);
    if (templateDir === skip || !existsSync(join(templateDir, "compose.yaml"))) continue;
    return readTemplate({ name, dir: templateDir, source, projectTemplatesDir });
  }
  const known = listTemplateNames(projectTemplatesDir).map((t) => t.name);
  throw new NotFoundError(
    `Unknown template "${name}".`,
    `Available: ${[...known, "none"].join(", ")}. Project templates live in .nexus/templates/NAME/compose.yaml.`,
  );
}

interface ReadOptions {
  name: string;
  dir: string;
  source: Template["source"];
  projectTemplatesDir: string;
}

function readTemplate(options: ReadOptions): Template {
  const file = join(options.dir, "compose.yaml");
  const text = readFileSync(file, "utf8");
  const own = parseYaml(text, { file, schema: composeSchema, hint: HINT });
  const nexus = own["x-nexus"];
  const base = nexus.extends
    ? loadTemplate(nexus.extends, options.projectTemplatesDir, options.dir)
    : undefined;
  const ownServices = Object.entries(own.services).map(([name, spec]) =>
    resolveService({ name, spec, dir: options.dir, file }),
  );
  const services = mergeServices(base?.services ?? [], ownServices);
  const compose: ComposeFile = {
    ...own,
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    volumes: { ...base?.compose.volumes, ...own.volumes },
    "x-nexus": {
      ...base?.compose["x-nexus"],
      ...nexus,
      host_env: { ...base?.compose["x-nexus"].host_env, ...nexus.host_env },
    },
  };
  const devService = compose["x-nexus"].dev_service ?? (compose.services.dev ? "dev" : undefined);
  validateReferences({ compose, devService, file });
  const hash = createHash("sha256")
    .update(text)
    .update(base?.hash ?? "");
  for (const s of services) hash.update(s.imageRef);
  return {
    name: options.name,
    dir: options.dir,
    source: options.source,
    description: compose["x-nexus"].description,
    compose,
    services,
    devService,
    hash: hash.digest("hex").slice(0, 16),
  };
}

function mergeServices(base: ResolvedService[], own: ResolvedService[]): ResolvedService[] {
  const byName = new Map(base.map((s) => [s.name, s]));
  for (const s of own) byName.set(s.name, s);
  return [...byName.values()];
}

function resolveService(options: {
  name: string;
  spec: ServiceSpec;
  dir: string;
  file: string;
}): ResolvedService {
  const { name, spec, dir, file } = options;
  if (!spec.build) return { ...spec, name, imageRef: spec.image! };
  // Contexts may be shared between templates of one collection (e.g. ../_shared/postgres), never beyond it.
  const collection = resolve(dir, "..");
  const contextDir = resolve(dir, spec.build.context);
  if (!contextDir.startsWith(collection + sep)) {
    throw new UsageError(
      `${file}: services.${name}.build.context: "${spec.build.context}" points outside the templates folder.`,
      HINT,
    );
  }
  const dockerfile = spec.build.dockerfile ?? "Dockerfile";
  if (!existsSync(join(contextDir, dockerfile))) {
    throw new UsageError(
      `${file}: services.${name}.build: no ${dockerfile} in ${relative(dir, contextDir) || "."}.`,
      HINT,
    );
  }
  const buildHash = hashDirectory(contextDir, JSON.stringify({ dockerfile, args: spec.build.args }));
  const repo = relative(collection, contextDir)
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[-.]+/, "");
  return { ...spec, name, contextDir, imageRef: `nexus/${repo}:${buildHash.slice(0, 12)}` };
}

function validateReferences(options: { compose: ComposeFile; devService?: string; file: string }): void {
  const { compose, devService, file } = options;
  const names = new Set(Object.keys(compose.services));
  if (devService && !names.has(devService)) {
    throw new UsageError(`${file}: x-nexus.dev_service: no service named "${devService}".`, HINT);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    for (const dep of Object.keys(service.depends_on)) {
      if (!names.has(dep))
        throw new UsageError(`${file}: services.${name}.depends_on: no service named "${dep}".`, HINT);
    }
    for (const volume of service.volumes) {
      const source = volume.split(":")[0] ?? "";
      const isNamed = !source.startsWith(".") && !source.startsWith("/") && volume.includes(":");
      if (isNamed && !(source in compose.volumes)) {
        throw new UsageError(
          `${file}: services.${name}.volumes: volume "${source}" is not declared under top-level volumes.`,
          HINT,
        );
      }
      if (source.split(/[\\/]/).includes("..")) {
        throw new UsageError(
          `${file}: services.${name}.volumes: "${volume}" must not leave the worktree (..).`,
          HINT,
        );
      }
    }
  }
  startOrder(compose, file);
}
