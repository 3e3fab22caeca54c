/** The friction log's Markdown: one block per entry under a heading with a stable id (pure). */
export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface FrictionEntry {
  id: string;
  date: string;
  type: string;
  severity: Severity;
  text: string;
  workaround?: string;
  resolved?: string;
}

export const FRICTION_HEADER = `# Friction log

Every friction point is a bug, every workaround is a missing feature. One block per entry:
\`nexus friction add\` appends, \`nexus friction resolve ID\` marks one resolved. Edit the text
freely; keep each heading line as it is (its id is how the entry is found).
`;

const HEADING = /^## (fr-[a-z0-9]+) · (\d{4}-\d{2}-\d{2}) · ([a-z0-9_]+) · (low|medium|high)\s*$/;
const CONFLICT = /^(<{7}|={7}|>{7}|\|{7})( |$)/;

export function formatEntry(e: FrictionEntry): string {
  return [
    `## ${e.id} · ${e.date} · ${e.type} · ${e.severity}`,
    e.text,
    ...(e.workaround ? [`workaround: ${e.workaround}`] : []),
    ...(e.resolved ? [`resolved: ${e.resolved}`] : []),
    "",
  ].join("\n");
}

/**
 * Reads entries back. Tolerant of what merges leave: conflict markers are skipped (each entry is a
 * self-contained block, so both sides' entries survive), and an entry seen twice is merged into one
 * (resolved if either copy says so).
 */
export function parseFriction(text: string): { entries: FrictionEntry[]; conflicted: boolean } {
  const byId = new Map<string, FrictionEntry>();
  let current: FrictionEntry | undefined;
  let conflicted = false;
  for (const line of text.split("\n")) {
    if (CONFLICT.test(line)) {
      conflicted = true;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const [, id, date, type, severity] = heading as unknown as [string, string, string, string, Severity];
      current = byId.get(id) ?? { id, date, type, severity, text: "" };
      byId.set(id, current);
      continue;
    }
    if (!current || line.startsWith("#")) continue;
    if (line.startsWith("workaround: ")) current.workaround = line.slice(12).trim();
    else if (line.startsWith("resolved: ")) current.resolved = line.slice(10).trim();
    else if (line.trim() && !current.text.split("\n").includes(line.trim()))
      current.text = current.text ? `${current.text}\n${line.trim()}` : line.trim();
  }
  return { entries: [...byId.values()], conflicted };
}

/** The whole file for a set of entries (used to repair a conflicted file, never by `add`). */
export function formatFriction(entries: FrictionEntry[]): string {
  return `${FRICTION_HEADER}\n${entries.map(formatEntry).join("\n")}`;
}

/** Adds `resolved: DATE` at the end of one entry's block; every other line stays as it was. */
export function markResolved(text: string, id: string, date: string): string | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => HEADING.exec(l)?.[1] === id);
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && !lines[end]!.startsWith("## ") && !CONFLICT.test(lines[end]!)) end++;
  let insertAt = end;
  while (insertAt > start + 1 && lines[insertAt - 1]!.trim() === "") insertAt--;
  const block = lines.slice(start, insertAt).filter((l) => !l.startsWith("resolved: "));
  return [...lines.slice(0, start), ...block, `resolved: ${date}`, ...lines.slice(insertAt)].join("\n");
}
