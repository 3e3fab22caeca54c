import type { Command } from "commander";
import { positiveInt, positiveNumber } from "../core/options.js";
import { info, printJson, printLine, printTable, success } from "../core/output.js";
import { jsonOption, tasks } from "./common.js";

export function registerFeedbackAndSkills(program: Command): void {
  const feedback = program
    .command("feedback")
    .description("session feedback: what was worked on and what kept failing");
  jsonOption(
    feedback.command("collect").description("record feedback for recent work (a ralph run does this itself)"),
  )
    .option("--hours <n>", "look back this many hours", positiveNumber("--hours", 87_600, "hours"), 8)
    .action(async (o: { hours: number; json?: boolean }) => {
      const { collectFeedback, saveFeedback } = await import("../skills/feedback.js");
      const tc = await tasks();
      const since = new Date(Date.now() - o.hours * 3600_000).toISOString();
      const record = collectFeedback(tc.store.all(), { since, source: "manual" });
      saveFeedback(tc.db, record);
      if (o.json) return printJson(record);
      success(
        `${record.tasksWorked.length} task(s) worked, ${record.tasksDone} done (${Math.round(record.successRate * 100)}%); issues: ${
          Object.entries(record.issues)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ") || "none"
        }`,
      );
    });
  jsonOption(feedback.command("analyze").description("recurring issues across sessions"))
    .option("--days <n>", "window (1 to 3650 days)", positiveInt("--days", 3650), 30)
    .action(async (o: { days: number; json?: boolean }) => {
      const { analyzeFeedback, feedbackSince } = await import("../skills/feedback.js");
      const { windowOf } = await import("../telemetry/report.js");
      const tc = await tasks();
      const analysis = analyzeFeedback(feedbackSince(tc.db, windowOf(o.days).since));
      if (o.json) return printJson(analysis);
      printLine(
        `${analysis.sessions} session(s), ${analysis.tasksWorked} task(s) worked, ${Math.round(analysis.successRate * 100)}% done`,
      );
      for (const r of analysis.recurring)
        printLine(`• ${r.category}: ${r.count} failure(s) in ${r.sessions} session(s)`);
    });
  registerSkills(program);
}

function registerSkills(program: Command): void {
  const skills = program
    .command("skills")
    .description("project skills (.nexus/skills/NAME/SKILL.md), kept up to date from feedback");
  jsonOption(skills.command("list").description("skills and what they are for")).action(
    async (o: { json?: boolean }) => {
      const { listSkills } = await import("../skills/learn.js");
      const list = listSkills((await tasks()).paths.nexusDir);
      if (o.json) return printJson(list);
      if (!list.length)
        return info("No skills yet; Nexus adds troubleshooting entries when a failure recurs.");
      await printTable(list, [
        { header: "SKILL", value: (s) => s.name },
        { header: "ENTRIES", value: (s) => s.entries },
        { header: "DESCRIPTION", value: (s) => s.description },
      ]);
    },
  );
  skills
    .command("diff")
    .description("what Nexus changed in the skills since their last backup")
    .action(async () => {
      const { skillsDiff } = await import("../skills/files.js");
      const text = await skillsDiff((await tasks()).paths.nexusDir);
      if (text) printLine(text.trimEnd());
      else info("No changes.");
    });
  skills
    .command("sync")
    .description("copy the skills where an agent looks for them")
    .requiredOption("--to <dir>", "e.g. .claude/skills")
    .action(async (o: { to: string }) => {
      const { syncSkills } = await import("../skills/files.js");
      const tc = await tasks();
      const copied = syncSkills(tc.paths, o.to);
      success(`Copied ${copied.length} skill(s) to ${o.to}.`);
    });
}
