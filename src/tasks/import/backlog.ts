import { join } from "node:path";
import { parse, stringify } from "yaml";
import { asRecord, type Format, listDir, malformed, nextNumber, readSource, text } from "./formats.js";
import {
  criteriaOf,
  extraFor,
  extraOf,
  priorityIn,
  priorityOut,
  type SourceTask,
  splitCriteria,
  statusIn,
  statusOut,
  strings,
  unique,
  withSections,
} from "./mapper.js";

/**
 * Backlog.md: `backlog/tasks/task-N - Title.md`, YAML front matter (id, title, status, assignee,
 * labels, dependencies, parent_task_id, priority high/medium/low) and a body with a Description
 * section and Acceptance Criteria (`- [ ] #1 ...`), each between Backlog.md's HTML comment markers.
 * The body's other sections (plan, notes) are kept after the description.
 */
export const backlog: Format = {
  tool: "backlog",
  kind: "dir",
  defaultPath: "backlog/tasks",
  read(path) {
    const tasks = listDir(path, "backlog", ".md").map((name) => fromFile(join(path, name)));
    return { tasks, skipped: 0 };
  },
  render(tasks) {
    return new Map(tasks.map((t) => [`${t.id} - ${fileTitle(t.title)}.md`, toFile(t)]));
  },
  newId: (_nexusId, used) => `task-${nextNumber(used, "task-")}`,
};

const DESCRIPTION = /<!-- SECTION:DESCRIPTION:BEGIN -->\n([\s\S]*?)\n?<!-- SECTION:DESCRIPTION:END -->/;
const CRITERIA = /<!-- AC:BEGIN -->\n?([\s\S]*?)<!-- AC:END -->/;

function fromFile(file: string): SourceTask {
  const raw = readSource(file, "backlog");
  // A file saved with Windows line ends is read as one with Unix ones (the markers are matched by line).
  const content = raw.startsWith("---\r\n") ? raw.replace(/\r\n/g, "\n") : raw;
  const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(content);
  if (!match) throw malformed(file, "backlog", "it has no front matter between --- lines");
  let meta: Record<string, unknown>;
  try {
    meta = asRecord(parse(match[1]!));
  } catch (error) {
    throw malformed(
      file,
      "backlog",
      `its front matter is not YAML (${(error as Error).message.split("\n")[0]})`,
    );
  }
  const body = sections(match[2]!);
  const extra = extraOf(meta.nexus);
  const status = statusIn("backlog", text(meta.status), extra);
  const criteria = splitCriteria(body.criteria);
  const parent = text(meta.parent_task_id);
  return {
    id: text(meta.id) || String(meta.id ?? ""),
    title: text(meta.title),
    description: [
      withSections(body.description, [["Acceptance Criteria", criteria.prose.join("\n")]]),
      body.rest,
    ]
      .filter(Boolean)
      .join("\n\n"),
    status: status.status,
    priority: priorityIn("backlog", meta.priority, extra),
    labels: unique([...strings(meta.labels), ...(status.label ? [status.label] : [])]),
    dependsOn: unique(strings(meta.dependencies)),
    requiredBy: parent ? [parent] : [],
    checks: criteria.checks,
    ...(extra?.id ? { nexusId: extra.id } : {}),
  };
}

/** The description, the acceptance criteria lines, and the rest of the body. */
function sections(body: string): { description: string; criteria: string[]; rest: string } {
  let rest = body;
  let description = "";
  const marked = DESCRIPTION.exec(rest);
  if (marked) {
    description = marked[1]!;
    rest = rest.replace(marked[0], "");
  } else {
    const plain = /^## Description[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(rest);
    if (plain) [description, rest] = [plain[1]!.trim(), rest.replace(plain[0], "")];
  }
  rest = rest.replace(/^## Description[^\n]*\n/m, "");
  let criteria: string[] = [];
  const ac =
    CRITERIA.exec(rest) ?? /^## Acceptance Criteria[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(rest);
  if (ac) [criteria, rest] = [ac[1]!.split("\n"), rest.replace(ac[0], "")];
  rest = rest.replace(/^## Acceptance Criteria[^\n]*\n/m, "").trim();
  return { description, criteria, rest };
}

function toFile(t: SourceTask): string {
  const extra = extraFor("backlog", t);
  const meta = {
    id: t.id,
    title: t.title,
    status: statusOut("backlog", t.status),
    assignee: [],
    ...(t.createdAt ? { created_date: t.createdAt.slice(0, 16).replace("T", " ") } : {}),
    labels: t.labels,
    dependencies: t.dependsOn,
    priority: priorityOut("backlog", t.priority),
    ...(extra ? { nexus: extra } : {}),
  };
  const criteria = criteriaOf(t.checks).map((c, i) => `- [ ] #${i + 1} ${c}`);
  return [
    `---\n${stringify(meta).trimEnd()}\n---\n`,
    "## Description\n",
    `<!-- SECTION:DESCRIPTION:BEGIN -->\n${t.description}\n<!-- SECTION:DESCRIPTION:END -->\n`,
    ...(criteria.length
      ? ["## Acceptance Criteria", "<!-- AC:BEGIN -->", ...criteria, "<!-- AC:END -->\n"]
      : []),
  ].join("\n");
}

/** The title as Backlog.md puts it in a file name: no path separators or characters file systems refuse. */
function fileTitle(title: string): string {
  const safe = [...title]
    .map((c) => (/[\p{Cc}/\\:*?"<>|]/u.test(c) ? "-" : c))
    .join("")
    .trim()
    .slice(0, 60)
    .trim();
  return safe || "task";
}
