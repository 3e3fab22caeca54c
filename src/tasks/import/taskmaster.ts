import { asRecord, type Format, malformed, nextNumber, parseJson, readSource, text } from "./formats.js";
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
 * Taskmaster: `.taskmaster/tasks/tasks.json`, tagged (`{"master": {"tasks": [...]}, "feature": ...}`)
 * or the older `{"tasks": [...]}`. A task has id, title, description, details, testStrategy, status,
 * priority (high/medium/low), dependencies and subtasks (ids within their parent: `1.2`). Tasks of a
 * tag other than master keep their tag as ids `TAG:ID` and a label `tag:TAG`. A subtask is a task of
 * its own that its parent waits for.
 */
export const taskmaster: Format = {
  tool: "taskmaster",
  kind: "file",
  defaultPath: ".taskmaster/tasks/tasks.json",
  read(path) {
    const data = asRecord(parseJson(readSource(path, "taskmaster"), path, "taskmaster"));
    const tags = Array.isArray(data.tasks) ? { master: data } : data;
    const tasks: SourceTask[] = [];
    for (const [tag, value] of Object.entries(tags)) {
      const list = asRecord(value).tasks;
      if (!Array.isArray(list)) throw malformed(path, "taskmaster", `tag "${tag}" has no "tasks" list`);
      const prefix = tag === "master" ? "" : `${tag}:`;
      for (const item of list.map(asRecord)) tasks.push(...fromTask(item, prefix, tag));
    }
    return { tasks, skipped: 0 };
  },
  render(tasks) {
    const now = new Date().toISOString();
    const data = {
      master: {
        tasks: tasks.map(toTask),
        metadata: { created: now, updated: now, description: "Exported from Nexus" },
      },
    };
    return new Map([["", `${JSON.stringify(data, null, 2)}\n`]]);
  },
  newId: (_nexusId, used) => String(nextNumber(used)),
};

function fromTask(item: Record<string, unknown>, prefix: string, tag: string, parent?: string): SourceTask[] {
  const extra = extraOf(item.nexus);
  const own = parent ? `${parent}.${item.id}` : `${prefix}${item.id}`;
  const status = statusIn("taskmaster", text(item.status), extra);
  const criteria = splitCriteria(text(item.testStrategy).split("\n"));
  const labels = [...(extra?.labels ?? [])];
  if (tag !== "master") labels.push(`tag:${tag}`);
  if (status.label) labels.push(status.label);
  const depId = (d: string) => (parent && /^\d+$/.test(d) ? `${parent}.${d}` : `${prefix}${d}`);
  const subtasks = Array.isArray(item.subtasks) ? item.subtasks.map(asRecord) : [];
  const task: SourceTask = {
    id: own,
    title: text(item.title),
    description: withSections(text(item.description), [
      ["Details", text(item.details)],
      ["Test strategy", criteria.prose.join("\n")],
    ]),
    status: status.status,
    priority: priorityIn("taskmaster", item.priority, extra),
    labels: unique(labels),
    dependsOn: unique(strings(item.dependencies).map(depId)),
    requiredBy: parent ? [parent] : [],
    checks: criteria.checks,
    ...(extra?.id ? { nexusId: extra.id } : {}),
  };
  return [task, ...subtasks.flatMap((s) => fromTask(s, prefix, tag, own))];
}

function toTask(t: SourceTask): Record<string, unknown> {
  const extra = extraFor("taskmaster", t, { labels: true });
  const number = (id: string) => (/^\d+$/.test(id) ? Number(id) : id);
  return {
    id: number(t.id),
    title: t.title,
    description: t.description,
    details: "",
    testStrategy: criteriaOf(t.checks).join("\n"),
    status: statusOut("taskmaster", t.status),
    priority: priorityOut("taskmaster", t.priority),
    dependencies: t.dependsOn.map(number),
    subtasks: [],
    ...(extra ? { nexus: extra } : {}),
  };
}
