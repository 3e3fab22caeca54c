import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SkillEntry } from "../tasks/outcomes.js";
import type { Pattern } from "../tasks/patterns.js";
import { loadSkills } from "./skills.js";

export const RECURRENCE = 3;

function skillName(pattern: Pattern): string {
  return `troubleshooting-${pattern.category}`;
}

const MARKER = "<!-- nexus:pattern ";

const marker = (pattern: Pattern) => `${MARKER}${pattern.kind}:${pattern.key.replace(/-->/g, "")} -->`;

/** `skills list`: every skill with the number of troubleshooting entries Nexus keeps in it. */
export function listSkills(nexusDir: string) {
  return loadSkills(join(nexusDir, "skills")).map((s) => ({
    name: s.name,
    description: s.description,
    entries: s.body.split(MARKER).length - 1,
    file: s.file,
  }));
}

const LEARNT = "<!-- nexus:learnt ";

/**
 * When the entry was first written: the time its advice reached agents, kept by later updates (which
 * rewrite the counts) so outcomes can compare the pattern's repeats before and after it.
 */
const learntLine = (at: string) => `${LEARNT}${at} -->`;

function entry(pattern: Pattern, learnt: string | undefined): string {
  const lines = [
    marker(pattern),
    ...(learnt ? [learntLine(learnt)] : []),
    `### ${pattern.kind === "check" ? `\`${pattern.key}\` keeps failing` : `Review keeps rejecting: ${pattern.key}`}`,
    `Seen ${pattern.count} times in ${pattern.tasks.length} task(s), last ${pattern.lastSeen.slice(0, 10)}.`,
  ];
  if (pattern.example) lines.push("Recent output:", "```", pattern.example.trim(), "```");
  lines.push(
    pattern.kind === "check"
      ? `Before finishing, run \`${pattern.key}\` yourself and read its whole output; fix the cause, not the test.`
      : "Address this before asking for review again.",
    "<!-- nexus:end -->",
  );
  return lines.join("\n");
}

function skeleton(name: string, pattern: Pattern): string {
  return `---\nname: ${name}\ndescription: Recurring ${pattern.category} problems in this project and how to avoid them (maintained by Nexus).\n---\n\n# ${name}\n`;
}

/**
 * Adds or updates one troubleshooting entry per recurring pattern in the matching skill. Running it
 * twice changes nothing; before any change the skill is copied to .nexus/skills/.backup/ for `skills diff`.
 */
export function learnFromPatterns(skillsDir: string, patterns: Pattern[], now = new Date()): string[] {
  const changed = new Set<string>();
  for (const pattern of patterns.filter((p) => p.count >= RECURRENCE)) {
    const name = skillName(pattern);
    const file = join(skillsDir, name, "SKILL.md");
    const current = existsSync(file) ? readFileSync(file, "utf8") : skeleton(name, pattern);
    const start = current.indexOf(marker(pattern));
    const end = start >= 0 ? current.indexOf("<!-- nexus:end -->", start) + "<!-- nexus:end -->".length : -1;
    // An entry written before learnt times were recorded stays without one: its time is unknown.
    const next =
      start >= 0
        ? current.slice(0, start) + entry(pattern, learntOf(current.slice(start, end))) + current.slice(end)
        : `${current.trimEnd()}\n\n${entry(pattern, now.toISOString())}\n`;
    if (next === current) continue;
    backup(skillsDir, name, file);
    mkdirSync(join(skillsDir, name), { recursive: true });
    writeFileSync(file, next);
    changed.add(name);
  }
  return [...changed];
}

function learntOf(entryText: string): string | undefined {
  return new RegExp(`${LEARNT}(\\S+) -->`).exec(entryText)?.[1];
}

/** Every entry Nexus keeps in the skills: the skill, the pattern it targets and when it was learnt. */
export function learntEntries(skillsDir: string): SkillEntry[] {
  return loadSkills(skillsDir).flatMap((skill) =>
    skill.body
      .split(MARKER)
      .slice(1)
      .flatMap((part) => {
        const target = /^(check|rejection):(.*?) -->/.exec(part);
        if (!target) return [];
        const learnt = learntOf(part.split("<!-- nexus:end -->")[0]!);
        const kind = target[1] as SkillEntry["kind"];
        return [{ skill: skill.name, kind, key: target[2]!, ...(learnt ? { learnt } : {}) }];
      }),
  );
}

function backup(skillsDir: string, name: string, file: string): void {
  const dir = join(skillsDir, ".backup", name);
  mkdirSync(dir, { recursive: true });
  if (existsSync(file)) copyFileSync(file, join(dir, "SKILL.md"));
  else writeFileSync(join(dir, "SKILL.md"), "");
}
