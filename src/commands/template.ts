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
      const { listTemplateNames, loadTemplate } = await import("../workspace/environment/templates.js");
      const dir = await templatesDir();
      const rows = await Promise.all(
        listTemplateNames(dir).map(async ({ name, source }) => {
          try {
            const t = await loadTemplate(name, dir);
            return { name, source, description: t.description, services: t.services ?? [], error: undefined };
          } catch (error) {
            return {
              name,
              source,
              description: "",
              services: [] as string[],
              error: (error as Error).message,
            };
          }
        }),
      );
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
  jsonOption(template.command("show <name>").description("a template's files, services and settings")).action(
    async (name: string, opts: { json?: boolean }) => {
      const { loadTemplate } = await import("../workspace/environment/templates.js");
      const t = await loadTemplate(name, await templatesDir());
      const data = {
        name: t.name,
        source: t.source,
        files: t.files,
        description: t.description,
        hash: t.hash,
        devService: t.devService ?? null,
        workspaceFolder: t.workspaceFolder,
        ssh: t.ssh,
        services: t.services ?? [],
        hostEnv: t.hostEnv,
        postCreate: t.postCreate,
        postStart: t.postStart,
      };
      if (opts.json) return printJson(data);
      printLine(`${style.bold(t.name)} ${t.description}`);
      printLine(`files     ${t.files.join(" + ")}`);
      printLine(`services  ${data.services.join(", ")}`);
      printLine(`dev       ${data.devService ?? "-"}${data.ssh ? " (ssh)" : ""} at ${t.workspaceFolder}`);
      for (const [key, value] of Object.entries(t.hostEnv)) printLine(`host env  ${key}=${value}`);
      printLine(
        style.dim(
          "Compose reads these files as they are: `docker compose -f FILE config` shows the whole model.",
        ),
      );
    },
  );
}
