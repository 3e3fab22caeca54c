import { z } from "zod";
import { parseYaml } from "../../core/yaml-file.js";

/**
 * A template is an ordinary compose file (`.nexus/templates/NAME/compose.yaml` or a built-in one)
 * with an optional `x-nexus` block, which Compose ignores. Compose validates everything else.
 * Loaded only when a template file is read for the first time (templates.ts caches the result).
 */
const command = z.union([z.string(), z.array(z.string()).min(1)]);

const nexusBlockSchema = z
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

/** A template file's service names and its x-nexus block (defaults filled in); errors name the file and field. */
export function parseTemplate(
  text: string,
  file: string,
  hint: string,
): { services: string[]; block: NexusBlock } {
  const own = parseYaml(text, { file, schema: fileSchema, hint });
  return { services: Object.keys(own.services), block: own["x-nexus"] };
}
