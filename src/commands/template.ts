import type { Command } from "commander";
import { printJson, printLine, printTable, style } from "../core/output.js";
import { jsonOption } from "./common.js";

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
      const { listTemplates } = await import("../workspace/environment/template-catalog.js");
      const rows = await listTemplates();
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
      const { showTemplate } = await import("../workspace/environment/template-catalog.js");
      const t = await showTemplate(name);
      if (opts.json) return printJson(t);
      printLine(`${style.bold(t.name)} ${t.description}`);
      printLine(`files     ${t.files.join(" + ")}`);
      printLine(`services  ${t.services.join(", ")}`);
      printLine(`dev       ${t.devService ?? "-"}${t.ssh ? " (ssh)" : ""} at ${t.workspaceFolder}`);
      for (const [key, value] of Object.entries(t.hostEnv)) printLine(`host env  ${key}=${value}`);
      printLine(
        style.dim(
          "Compose reads these files as they are: `docker compose -f FILE config` shows the whole model.",
        ),
      );
    },
  );
}
