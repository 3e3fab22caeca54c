import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { NotFoundError, UsageError } from "../../core/errors.js";
import { builtinTemplatesDir, nexusHome } from "../../core/paths.js";
import { writeGenerated } from "./devcontainer/cache.js";
import type { NexusBlock } from "./template-schema.js";
import type { Environment } from "./types.js";

/**
 * Bump when template-schema.ts changes what it returns: cached parses of the old shape are then
 * ignored (their file names carry the format).
 */
const CACHE_FORMAT = "template-1";

const TEMPLATE_HINT = "Fix the template (see docs/templates.md), then retry. Nothing was created.";

const RESERVED = ["none", "devcontainer", "compose"];

function templateDirs(projectTemplatesDir: string): { dir: string; source: "project" | "builtin" }[] {
  return [
    { dir: projectTemplatesDir, source: "project" },
    { dir: builtinTemplatesDir(), source: "builtin" },
  ];
}

export function listTemplateNames(projectTemplatesDir: string): { name: string; source: string }[] {
  const seen = new Map<string, string>();
  for (const { dir, source } of templateDirs(projectTemplatesDir)) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith("_")) continue;
      if (existsSync(join(dir, entry.name, "compose.yaml")) && !seen.has(entry.name))
        seen.set(entry.name, source);
    }
  }
  return [...seen].map(([name, source]) => ({ name, source })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Finds a template by name (project templates first) and reads it as an Environment. */
export async function loadTemplate(
  name: string,
  projectTemplatesDir: string,
  skip?: string,
): Promise<Environment> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name) || name.includes("..")) {
    throw new UsageError(
      `Invalid template name "${name.slice(0, 60)}".`,
      "Template names are folder names: lowercase, digits, -, _ and .",
    );
  }
  for (const { dir } of templateDirs(projectTemplatesDir)) {
    const file = join(dir, name, "compose.yaml");
    if (join(dir, name) === skip || !existsSync(file)) continue;
    return readTemplate(name, file, projectTemplatesDir);
  }
  const known = listTemplateNames(projectTemplatesDir).map((t) => t.name);
  throw new NotFoundError(
    `Unknown template "${name}".`,
    `Available: ${[...known, ...RESERVED].join(", ")}. Project templates live in .nexus/templates/NAME/compose.yaml.`,
  );
}

async function readTemplate(name: string, file: string, projectTemplatesDir: string): Promise<Environment> {
  const text = readFileSync(file, "utf8");
  const own = await parsedTemplate(text, file);
  const block = own.block;
  const base = block.extends
    ? await loadTemplate(block.extends, projectTemplatesDir, dirname(file))
    : undefined;
  const services = new Set([...own.services, ...(base?.services ?? [])]);
  const devService = block.dev_service ?? base?.devService ?? (services.has("dev") ? "dev" : undefined);
  if (devService && !services.has(devService))
    throw new UsageError(`${file}: x-nexus.dev_service: no service named "${devService}".`, TEMPLATE_HINT);
  return {
    name,
    kind: "template",
    source: file,
    description: block.description || base?.description || "",
    files: [...(base?.files ?? []), file],
    projectDir: base?.projectDir ?? dirname(file),
    devService,
    workspaceFolder: block.workspace_folder,
    ssh: block.ssh,
    // Nexus's own dev images install sshd; a project template's image may not.
    sshPort: own.services.includes(devService ?? "") ? file.startsWith(builtinTemplatesDir()) : base?.sshPort,
    postCreate: [...(base?.postCreate ?? []), ...block.post_create],
    postStart: [...(base?.postStart ?? []), ...block.post_start],
    updateRemoteUserUID: true,
    containerEnv: {},
    remoteEnv: {},
    forwardPorts: [],
    // Compose interpolates x- blocks too: templates write $${NEXUS_PORT_X}, which Compose leaves alone.
    hostEnv: { ...base?.hostEnv, ...unescapeDollars(block.host_env) },
    overrideCommand: false,
    hash: createHash("sha256")
      .update(text)
      .update(base?.hash ?? "")
      .digest("hex")
      .slice(0, 16),
    services: [...services],
  };
}

/**
 * A template file's services and x-nexus block, cached by the file's content in NEXUS_HOME/cache/
 * templates: a warm create reads one small JSON file instead of loading yaml and zod (~30 ms before
 * Compose can start, `node --cpu-prof`). A file that does not parse is never cached.
 */
async function parsedTemplate(
  text: string,
  file: string,
): Promise<{ services: string[]; block: NexusBlock }> {
  const key = createHash("sha256").update(text).digest("hex");
  const cached = join(nexusHome(), "cache", "templates", `${CACHE_FORMAT}-${key}.json`);
  try {
    const entry = JSON.parse(readFileSync(cached, "utf8"));
    if (isParsedTemplate(entry)) return entry;
  } catch {
    // Not cached yet, or unreadable: parse it.
  }
  const { parseTemplate } = await import("./template-schema.js");
  const parsed = parseTemplate(text, file, TEMPLATE_HINT);
  try {
    writeGenerated(cached, JSON.stringify(parsed));
  } catch {
    // A cache that cannot be written only costs the next command the parse.
  }
  return parsed;
}

/** The shape parseTemplate returns: anything else in the cache (edited, another format) is parsed again. */
function isParsedTemplate(entry: unknown): entry is { services: string[]; block: NexusBlock } {
  const { services, block } = (entry ?? {}) as { services?: unknown; block?: Partial<NexusBlock> };
  return (
    Array.isArray(services) &&
    typeof block === "object" &&
    Array.isArray(block.post_create) &&
    Array.isArray(block.post_start) &&
    typeof block.host_env === "object" &&
    typeof block.workspace_folder === "string"
  );
}

function unescapeDollars(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replaceAll("$$", "$")]));
}
