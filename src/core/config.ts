import { existsSync, writeFileSync } from "node:fs";
import { z } from "zod";
import type { ProjectPaths } from "./paths.js";
import { readYamlFile } from "./yaml-file.js";

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), {
    message: "must be a path inside the repository (no leading / and no ..)",
  });

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    default_template: z.string().default("node-postgres"),
    ports: z
      .object({
        start: z.number().int().min(1024).max(65535).default(41000),
        end: z.number().int().min(1024).max(65535).default(41999),
      })
      .strict()
      .refine((r) => r.start <= r.end, { message: "start must not be greater than end" })
      .default({ start: 41000, end: 41999 }),
    copy_files: z.array(relativePath).default([".env", ".env.local"]),
    gates: z.array(z.string()).default([]),
    tasks: z
      .object({
        /** Lets a task's assignee approve its own review (solo projects); off by default. */
        allow_self_review: z.boolean().default(false),
      })
      .strict()
      .default({ allow_self_review: false }),
  })
  .strict();

export type NexusConfig = z.output<typeof configSchema>;

const HINT = "Fix .nexus/config.yaml (see docs/configuration.md), or delete it and run `nexus init`.";

export function loadConfig(paths: ProjectPaths): NexusConfig {
  if (!existsSync(paths.configFile)) return configSchema.parse({});
  return readYamlFile(paths.configFile, configSchema, HINT);
}

export function writeDefaultConfig(file: string, options: { gates: string[] }): void {
  const gates = options.gates.length
    ? options.gates.map((g) => `  - ${JSON.stringify(g)}`).join("\n")
    : "  []";
  writeFileSync(
    file,
    `# Nexus project settings. Docs: docs/configuration.md
version: 1
# Template used by \`nexus workspace create\` when --template is not given ("none" = no containers).
default_template: node-postgres
# Host ports for published container ports are allocated from this range, on 127.0.0.1 only.
ports:
  start: 41000
  end: 41999
# Gitignored files copied from the main checkout into every new worktree.
copy_files:
  - .env
  - .env.local
# Default verification gates for tasks without their own checks.
gates:
${gates}
# Task rules. allow_self_review: true lets whoever did a task approve its review (solo projects).
tasks:
  allow_self_review: false
`,
  );
}
