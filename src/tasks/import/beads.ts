import { asRecord, type Format, malformed, readSource, text } from "./formats.js";
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
 * beads (`bd`): `.beads/issues.jsonl`, one issue per line with id, title, description, design,
 * acceptance_criteria, notes, status, priority (0-4), issue_type, labels and dependencies
 * ({issue_id, depends_on_id, type}). `blocks` is a dependency; `parent-child` makes the parent wait
 * for the child; `related` and `discovered-from` say nothing about order and are left out.
 * A `tombstone` (a deleted issue) is skipped.
 */
export const beads: Format = {
  tool: "beads",
  kind: "file",
  defaultPath: ".beads/issues.jsonl",
  read(path) {
    const tasks: SourceTask[] = [];
    let skipped = 0;
    const lines = readSource(path, "beads").split("\n");
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      let issue: Record<string, unknown>;
      try {
        issue = asRecord(JSON.parse(line));
      } catch (error) {
        throw malformed(`${path} line ${i + 1}`, "beads", (error as Error).message);
      }
      if (issue.status === "tombstone") skipped++;
      else tasks.push(fromIssue(issue));
    }
    return { tasks, skipped };
  },
  render(tasks) {
    const lines = tasks.map((t) => JSON.stringify(toIssue(t)));
    return new Map([["", lines.length ? `${lines.join("\n")}\n` : ""]]);
  },
  newId: (nexusId) => nexusId,
};

function fromIssue(issue: Record<string, unknown>): SourceTask {
  const extra = extraOf(issue.nexus);
  const id = String(issue.id ?? "");
  const status = statusIn("beads", text(issue.status), extra);
  const criteria = splitCriteria(text(issue.acceptance_criteria).split("\n"));
  const type = text(issue.issue_type);
  const labels = strings(issue.labels);
  if (type && type !== "task") labels.push(`type:${type}`);
  if (status.label) labels.push(status.label);
  const deps = Array.isArray(issue.dependencies) ? issue.dependencies.map(asRecord) : [];
  const edge = (kind: string) => deps.filter((d) => d.type === kind && (d.issue_id ?? id) === id);
  return {
    id,
    title: text(issue.title),
    description: withSections(text(issue.description), [
      ["Design", text(issue.design)],
      ["Acceptance criteria", criteria.prose.join("\n")],
      ["Notes", text(issue.notes)],
    ]),
    status: status.status,
    priority: priorityIn("beads", issue.priority, extra),
    labels: unique(labels),
    dependsOn: unique(edge("blocks").map((d) => String(d.depends_on_id))),
    requiredBy: unique(edge("parent-child").map((d) => String(d.depends_on_id))),
    checks: criteria.checks,
    ...(extra?.id ? { nexusId: extra.id } : {}),
  };
}

function toIssue(t: SourceTask): Record<string, unknown> {
  const last = t.labels.at(-1);
  const type = last?.startsWith("type:") && last !== "type:task" ? last.slice(5) : undefined;
  const labels = type ? t.labels.slice(0, -1) : t.labels;
  const extra = extraFor("beads", t);
  const status = statusOut("beads", t.status);
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    ...(t.checks.length ? { acceptance_criteria: criteriaOf(t.checks).join("\n") } : {}),
    status,
    priority: priorityOut("beads", t.priority),
    issue_type: type ?? "task",
    labels,
    dependencies: t.dependsOn.map((dep) => ({ issue_id: t.id, depends_on_id: dep, type: "blocks" })),
    ...(t.createdAt ? { created_at: t.createdAt, updated_at: t.updatedAt ?? t.createdAt } : {}),
    ...(status === "closed" && t.updatedAt ? { closed_at: t.updatedAt } : {}),
    ...(extra ? { nexus: extra } : {}),
  };
}
