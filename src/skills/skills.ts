import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Skill {
  name: string;
  description: string;
  body: string;
  file: string;
}

/** `.nexus/skills/NAME/SKILL.md`: YAML front matter (name, description), then Markdown. */
export function loadSkills(skillsDir: string): Skill[] {
  if (!existsSync(skillsDir)) return [];
  return readdirSync(skillsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(skillsDir, d.name, "SKILL.md")))
    .map((d) => parseSkill(join(skillsDir, d.name, "SKILL.md"), d.name));
}

function parseSkill(file: string, fallbackName: string): Skill {
  const text = readFileSync(file, "utf8");
  const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
  const front = match?.[1] ?? "";
  const field = (key: string) =>
    new RegExp(`^${key}:\\s*(.*)$`, "m")
      .exec(front)?.[1]
      ?.trim()
      .replace(/^["']|["']$/g, "");
  return {
    name: field("name") ?? fallbackName,
    description: field("description") ?? "",
    body: match?.[2] ?? text,
    file,
  };
}
