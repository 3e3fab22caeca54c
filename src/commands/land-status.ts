import { printLine, printTable, style, warn } from "../core/output.js";
import type { LandStatus, SentBackEntry } from "../tasks/land/status.js";
import { shortCommit } from "../tasks/model.js";

/** "2026-12-06 16:40" (UTC): when, to the minute. */
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

/** conflict: the files; checks: the failing commands (cells are made one line and safe by printTable). */
function detail(e: SentBackEntry): string {
  if (e.files.length) return e.files.join(", ");
  if (e.failed.length) return e.failed.join("; ");
  return "";
}

/** `nexus land --status` for people: what is queued, what landed, what went back and why. */
export async function renderStatus(status: LandStatus): Promise<void> {
  if (status.journal)
    warn(
      `a landing of ${status.journal.task} on ${status.journal.target} was interrupted after the target moved; the next \`nexus land\` finishes it`,
    );
  const ws = status.integration;
  printLine(
    `Target: ${status.target}. Integration workspace: ${ws ? `${ws.name} (${ws.host ? `on ${ws.host}` : ws.path})` : "not made yet (the first landing makes nexus-land)"}.`,
  );
  printLine("");
  if (!status.queue.length) printLine("Queue: nothing to land.");
  else {
    printLine(`Queue (${status.queue.length}, in landing order):`);
    await printTable(status.queue, [
      { header: "ID", value: (s) => s.id },
      { header: "BRANCH", value: (s) => s.branch },
      { header: "VERIFIED", value: (s) => shortCommit(s.verified) },
      { header: "COMMITS", value: (s) => s.ahead },
      { header: "TITLE", value: (s) => s.title },
    ]);
  }
  printLine("");
  if (!status.landed.length) printLine("Landed: nothing yet.");
  else {
    printLine("Landed (most recent first):");
    await printTable(status.landed, [
      { header: "ID", value: (e) => e.id },
      { header: "COMMIT", value: (e) => shortCommit(e.commit) + (e.review ? " (review)" : "") },
      { header: "TARGET", value: (e) => e.target },
      { header: "WHEN", value: (e) => when(e.at) },
      { header: "BY", value: (e) => e.by },
      { header: "TITLE", value: (e) => e.title },
    ]);
  }
  printLine("");
  if (!status.sentBack.length) return printLine("Sent back: nothing.");
  printLine("Sent back (still waiting on their assignee first):");
  await printTable(status.sentBack, [
    { header: "ID", value: (e) => e.id },
    { header: "CAUSE", value: (e) => e.cause },
    { header: "STATUS", value: (e) => (e.pending ? style.warn(e.status) : e.status) },
    { header: "WHEN", value: (e) => when(e.at) },
    { header: "DETAIL", value: detail },
    { header: "TITLE", value: (e) => e.title },
  ]);
}
