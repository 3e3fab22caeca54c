import { cpSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UsageError } from "../core/errors.js";
import { gitRaw } from "../core/git.js";
import { explainWriteError } from "../core/options.js";
import type { ProjectPaths } from "../core/paths.js";

/** `git diff --no-index` between each skill's backup and its current file. */
export async function skillsDiff(nexusDir: string): Promise<string> {
  const backups = join(nexusDir, "skills", ".backup");
  if (!existsSync(backups)) return "";
  let out = "";
  for (const name of readdirSync(backups)) {
    const result = await gitRaw(
      [
        "diff",
        "--no-index",
        "--",
        join(backups, name, "SKILL.md"),
        join(nexusDir, "skills", name, "SKILL.md"),
      ],
      nexusDir,
    );
    out += result.stdout;
  }
  return out;
}

/** Copies every skill folder into a directory inside the repository (e.g. .claude/skills). */
export function syncSkills(paths: ProjectPaths, to: string): string[] {
  const target = isAbsolute(to) ? to : resolve(paths.root, to);
  const rel = relative(paths.root, target);
  if (rel.startsWith("..") || isAbsolute(rel))
    throw new UsageError(`${to} is outside the repository.`, "Name a folder inside it, e.g. .claude/skills.");
  const source = join(paths.nexusDir, "skills");
  if (!existsSync(source)) return [];
  const names = readdirSync(source, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => d.name);
  try {
    mkdirSync(target, { recursive: true });
    for (const name of names) cpSync(join(source, name), join(target, name), { recursive: true });
  } catch (error) {
    explainWriteError(error, to, "--to .claude/skills");
  }
  return names;
}
