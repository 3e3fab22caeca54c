import { join } from "node:path";
import {
  asRecord,
  type Format,
  listDir,
  malformed,
  nextNumber,
  parseJson,
  readSource,
  text,
} from "./formats.js";
import { extraFor, extraOf, type SourceTask, statusIn, statusOut, strings, unique } from "./mapper.js";

/**
 * Claude Code's task lists: `~/.claude/tasks/<list>/<n>.json`, one task per file with id, subject,
 * description, activeForm, status (pending, in_progress, completed; deleted ones are skipped), blocks and blockedBy. There is
 * no priority, label or check there: an export keeps Nexus's under `metadata.nexus`, which Claude
 * Code leaves alone. `.highwatermark` holds the highest id, as Claude Code keeps it.
 */
export const claude: Format = {
  tool: "claude",
  kind: "dir",
  read(path) {
    const items = listDir(path, "claude", ".json").map((name) => {
      const file = join(path, name);
      return { file, item: asRecord(parseJson(readSource(file, "claude"), file, "claude")) };
    });
    // A task Claude Code marked deleted is skipped, as a beads tombstone is.
    const kept = items.filter(({ item }) => item.status !== "deleted");
    return { tasks: kept.map(({ file, item }) => fromTask(item, file)), skipped: items.length - kept.length };
  },
  render(tasks) {
    const files = new Map(tasks.map((t) => [`${t.id}.json`, `${JSON.stringify(toTask(t), null, 2)}\n`]));
    if (tasks.length) files.set(".highwatermark", String(nextNumber(new Set(tasks.map((t) => t.id))) - 1));
    return files;
  },
  newId: (_nexusId, used) => String(nextNumber(used)),
};

function fromTask(item: Record<string, unknown>, file: string): SourceTask {
  if (item.id === undefined) throw malformed(file, "claude", 'it has no "id"');
  const extra = extraOf(asRecord(item.metadata).nexus);
  const status = statusIn("claude", text(item.status), extra);
  return {
    id: String(item.id),
    title: text(item.subject),
    description: text(item.description),
    status: status.status,
    priority: Number.isInteger(extra?.priority) ? Math.min(Math.max(extra!.priority!, 0), 4) : 2,
    labels: unique([...strings(extra?.labels), ...(status.label ? [status.label] : [])]),
    dependsOn: unique(strings(item.blockedBy)),
    requiredBy: unique(strings(item.blocks)),
    checks: strings(extra?.checks),
    ...(extra?.id ? { nexusId: extra.id } : {}),
  };
}

/** `blocks` is written by the caller (render in index.ts knows every task); here, what one task says. */
function toTask(t: SourceTask): Record<string, unknown> {
  const extra = extraFor("claude", t, { labels: true, checks: true });
  return {
    id: t.id,
    subject: t.title,
    description: t.description,
    status: statusOut("claude", t.status),
    blocks: t.requiredBy,
    blockedBy: t.dependsOn,
    ...(extra ? { metadata: { nexus: extra } } : {}),
  };
}
