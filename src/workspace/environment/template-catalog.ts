import { findRepository } from "../../core/paths.js";
import { listTemplateNames, loadTemplate } from "./templates.js";

/** The project's templates folder; outside a repository only the built-ins are found. */
async function templatesDir(): Promise<string> {
  return (await findRepository().catch(() => undefined))?.templatesDir ?? "/nonexistent";
}

/** `template list`: every template by name, an invalid one with its error instead of failing the list. */
export async function listTemplates() {
  const dir = await templatesDir();
  return Promise.all(
    listTemplateNames(dir).map(async ({ name, source }) => {
      try {
        const t = await loadTemplate(name, dir);
        return { name, source, description: t.description, services: t.services ?? [], error: undefined };
      } catch (error) {
        return { name, source, description: "", services: [] as string[], error: (error as Error).message };
      }
    }),
  );
}

/** `template show`: a template's files, services and settings. */
export async function showTemplate(name: string) {
  const t = await loadTemplate(name, await templatesDir());
  return {
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
}
