import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { NotFoundError, UsageError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { parseYaml } from "../core/yaml-file.js";
import type { Environment } from "./environment-types.js";

/**
 * A template is an ordinary compose file (`.nexus/templates/NAME/compose.yaml` or a built-in one)
 * with an optional `x-nexus` block, which Compose ignores. Compose validates everything else.
 */
const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);
const command = z.union([z.string(), z.array(z.string()).min(1)]);

export const nexusBlockSchema = z
  .object({
    description: z.string().default(""),
    extends: z.string().optional(),
    dev_service: z.string().optional(),
    workspace_folder: z.string().startsWith("/").default("/workspace"),
    ssh: z.boolean().default(true),
    post_create: z.union([z.string().transform((s) => [s]), z.array(command)]).default([]),
    post_start: z.union([z.string().transform((s) => [s]), z.array(command)]).default([]),
    host_env: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
  })
  .strict();

const fileSchema = z
  .object({
    services: z.record(z.string(), z.unknown()).default({}),
    "x-nexus": nexusBlockSchema.default(nexusBlockSchema.parse({})),
  })
  .passthrough();

export type NexusBlock = z.output<typeof nexusBlockSchema>;
export { stringList };

const HINT = "Fix the template (see docs/templates.md), then retry. Nothing was created.";
export const RESERVED = ["none", "devcontainer", "compose"];

export function builtinTemplatesDir(): string {
  return join(packageRoot(), "templates");
}

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
export function loadTemplate(name: string, projectTemplatesDir: string, skip?: string): Environment {
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

function readTemplate(name: string, file: string, projectTemplatesDir: string): Environment {
  const text = readFileSync(file, "utf8");
  const own = parseYaml(text, { file, schema: fileSchema, hint: HINT });
  const block = own["x-nexus"];
  const base = block.extends ? loadTemplate(block.extends, projectTemplatesDir, dirname(file)) : undefined;
  const services = new Set([...Object.keys(own.services), ...(base?.services ?? [])]);
  const devService = block.dev_service ?? base?.devService ?? (services.has("dev") ? "dev" : undefined);
  if (devService && !services.has(devService))
    throw new UsageError(`${file}: x-nexus.dev_service: no service named "${devService}".`, HINT);
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

function unescapeDollars(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replaceAll("$$", "$")]));
}
