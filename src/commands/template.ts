import type { Command } from "commander";
import { printJson, printLine, printTable, style } from "../core/output.js";
import { jsonOption } from "./common.js";

async function templatesDir(): Promise<string> {
  const { findRepository } = await import("../core/paths.js");
  return (await findRepository().catch(() => undefined))?.templatesDir ?? "/nonexistent";
}

export function registerTemplate(program: Command): void {
  const template = program
    .command("template")
    .description("workspace templates (built-in and .nexus/templates/)");
  defineList(template);
  defineShow(template);
}

function defineList(template: Command): void {
  jsonOption(template.command("list").alias("ls").description("available templates")).action(
    async (opts: { json?: boolean }) => {
      const { listTemplateNames, loadTemplate } = await import("../workspace/templates.js");
      const dir = await templatesDir();
      const rows = listTemplateNames(dir).map(({ name, source }) => {
        try {
          const t = loadTemplate(name, dir);
          return {
            name,
            source,
            description: t.description,
            services: t.services.map((s) => s.name),
            error: undefined,
          };
        } catch (error) {
          return { name, source, description: "", services: [] as string[], error: (error as Error).message };
        }
      });
      if (opts.json) return printJson(rows);
      await printTable(rows, [
        { header: "NAME", value: (r) => r.name },
        { header: "SOURCE", value: (r) => r.source },
        { header: "SERVICES", value: (r) => r.services.join(", ") || "-" },
        {
          header: "DESCRIPTION",
          value: (r) => (r.error ? style.error(`invalid: ${r.error}`) : r.description),
        },
      ]);
    },
  );
}

function defineShow(template: Command): void {
  jsonOption(template.command("show <name>").description("a template's services, ports and settings")).action(
    async (name: string, opts: { json?: boolean }) => {
      const { loadTemplate } = await import("../workspace/templates.js");
      const { portRequests } = await import("../workspace/ports.js");
      const t = loadTemplate(name, await templatesDir());
      const data = {
        name: t.name,
        source: t.source,
        dir: t.dir,
        description: t.description,
        hash: t.hash,
        devService: t.devService ?? null,
        ssh: t.compose["x-nexus"].ssh,
        services: t.services.map((s) => ({
          name: s.name,
          image: s.imageRef,
          dependsOn: Object.keys(s.depends_on),
          healthcheck: Boolean(s.healthcheck),
        })),
        ports: portRequests(t),
        postCreate: t.compose["x-nexus"].post_create,
        postStart: t.compose["x-nexus"].post_start,
      };
      if (opts.json) return printJson(data);
      printLine(`${style.bold(t.name)} (${t.source}) ${t.description}`);
      printLine(`folder    ${t.dir}`);
      printLine(`dev       ${data.devService ?? "-"}${data.ssh ? " (ssh)" : ""}`);
      await printTable(data.services, [
        { header: "SERVICE", value: (s) => s.name },
        { header: "IMAGE", value: (s) => s.image },
        { header: "DEPENDS ON", value: (s) => s.dependsOn.join(", ") || "-" },
        {
          header: "PORTS",
          value: (s) =>
            data.ports
              .filter((p) => p.service === s.name)
              .map((p) => `${p.name}:${p.containerPort}`)
              .join(" ") || "-",
        },
      ]);
    },
  );
}
