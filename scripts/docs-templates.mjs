// Generates the tables of docs/templates.md from data: the built-in templates (their compose files'
// x-nexus descriptions), where an environment comes from and the devcontainer.json support table
// (src/workspace/environment/support-table.ts, compiled to dist/). Only the marked blocks are generated.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { cell } from "./docs-lib.mjs";

export function builtInTemplates(root) {
  return readdirSync(join(root, "templates"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .map((d) => {
      const file = parse(readFileSync(join(root, "templates", d.name, "compose.yaml"), "utf8"));
      const nexus = file["x-nexus"] ?? {};
      const ports = Object.values(file.services ?? {}).flatMap((s) =>
        (s.ports ?? []).map((p) => p.name ?? p.target),
      );
      return {
        name: d.name,
        description: nexus.description ?? "",
        services: Object.keys(file.services ?? {}),
        ports,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The three generated blocks, by name. */
export function renderTemplateBlocks(root, table) {
  const templates = builtInTemplates(root).map(
    (t) =>
      `| \`${t.name}\` | ${cell(t.description)} | ${t.services.map((s) => `\`${s}\``).join(", ")} | ${t.ports.map((p) => `\`${p}\``).join(", ")} |`,
  );
  return {
    "built-in-templates": [
      "| template | what it is | services | named ports |",
      "|---|---|---|---|",
      ...templates,
    ].join("\n"),
    sources: [
      "| source | `default_template` | what runs |",
      "|---|---|---|",
      ...table.ENVIRONMENT_SOURCES.map((r) => `| ${cell(r.source)} | ${cell(r.choose)} | ${cell(r.runs)} |`),
    ].join("\n"),
    devcontainer: [
      "| key | support | how |",
      "|---|---|---|",
      ...table.DEVCONTAINER_KEYS.map((r) => `| ${cell(r.keys)} | ${r.support} | ${cell(r.how)} |`),
    ].join("\n"),
  };
}
