import { type Command, Option } from "commander";
import { nonEmpty, oneOf } from "../core/options.js";
import { info, printJson, printLine, printTable, success, warn } from "../core/output.js";
import { SEVERITIES, type Severity } from "../dogfood/friction-format.js";
import { jsonOption } from "./common.js";

async function paths() {
  const { findProject } = await import("../core/paths.js");
  return findProject();
}

export function registerDogfood(program: Command): void {
  const friction = program
    .command("friction")
    .description("the team's friction log (.nexus/dogfooding/friction-log.md)");
  friction
    .command("add <text>")
    .description("note what got in the way")
    .requiredOption(
      "--type <type>",
      "command_confusion, slow, error, missing_feature, docs, setup, other, ...",
    )
    .addOption(
      oneOf(new Option("--severity <severity>", "how much it got in the way").default("medium"), SEVERITIES),
    )
    .option("--workaround <text>", "what you did instead", nonEmpty("--workaround"))
    .action(async (text: string, o: { type: string; severity: Severity; workaround?: string }) => {
      const { addFriction } = await import("../dogfood/friction.js");
      const entry = addFriction(await paths(), { text, ...o });
      success(`${entry.id} added to .nexus/dogfooding/friction-log.md`);
    });
  defineList(friction);
  defineResolve(friction);
  defineLog(program);
}

function defineList(friction: Command): void {
  jsonOption(friction.command("list").description("friction entries, oldest first"))
    .option("--since <date>", "only entries on or after YYYY-MM-DD")
    .option("--open", "only unresolved entries")
    .action(async (o: { since?: string; open?: boolean; json?: boolean }) => {
      const { listFriction } = await import("../dogfood/friction.js");
      const { entries, conflicted } = listFriction(await paths(), o.since);
      if (conflicted)
        warn(
          "the friction log has merge conflict markers: `nexus friction repair` rewrites it with every entry once",
        );
      const shown = o.open ? entries.filter((e) => !e.resolved) : entries;
      if (o.json) return printJson(shown);
      if (!shown.length) return info('No friction noted: nexus friction add "..." --type TYPE');
      await printTable(shown, [
        { header: "ID", value: (e) => e.id },
        { header: "DATE", value: (e) => e.date },
        { header: "TYPE", value: (e) => e.type },
        { header: "SEVERITY", value: (e) => e.severity },
        { header: "STATUS", value: (e) => (e.resolved ? `resolved ${e.resolved}` : "open") },
        { header: "TEXT", value: (e) => e.text + (e.workaround ? ` (workaround: ${e.workaround})` : "") },
      ]);
    });
}

function defineResolve(friction: Command): void {
  friction
    .command("resolve <id>")
    .description("mark an entry resolved (only its block changes)")
    .action(async (id: string) => {
      const { resolveFriction } = await import("../dogfood/friction.js");
      success(`${resolveFriction(await paths(), id).id} resolved`);
    });
  friction
    .command("repair")
    .description("rewrite a friction log git left with conflict markers: every entry once")
    .action(async () => {
      const { repairFriction } = await import("../dogfood/friction.js");
      const result = repairFriction(await paths());
      if (result.repaired) success(`friction log repaired: ${result.entries} entries`);
      else info("The friction log has no conflict markers: nothing to repair.");
    });
}

interface LogOptions {
  wish?: string[];
  satisfaction?: string;
  improvement?: string;
  json?: boolean;
}

function defineLog(program: Command): void {
  jsonOption(
    program
      .command("log [date]")
      .description("write and print the daily dogfooding log (.nexus/dogfooding/DATE.yaml)"),
  )
    .option("--wish <text>", "a wish-list item (repeatable)", (v: string, all: string[] = []) => [...all, v])
    .option("--satisfaction <n>", "1 to 10")
    .option("--improvement <text>", "the one improvement that would help most")
    .action(async (date: string | undefined, o: LogOptions) => {
      const { logDay, writeDayLog } = await import("../dogfood/summary.js");
      const day = logDay(date);
      const { wish, satisfaction, improvement } = await askMissing(o);
      const result = await writeDayLog(day, { wishList: wish, satisfaction, improvement });
      if (o.json) return printJson(result.log);
      printLine(result.text.trimEnd());
      success(`written to ${result.file}`);
    });
}

/** On a terminal, asks for what the options did not give; elsewhere keeps what the log already has. */
async function askMissing(o: LogOptions): Promise<LogOptions> {
  if (!process.stdin.isTTY || o.json || (o.wish && o.satisfaction && o.improvement)) return o;
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const wish =
      o.wish ??
      (await rl.question("Wish list (comma-separated, empty to skip): "))
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    const satisfaction =
      o.satisfaction ??
      ((await rl.question("Satisfaction today (1-10, empty to skip): ")).trim() || undefined);
    const improvement = o.improvement ?? ((await rl.question("One improvement: ")).trim() || undefined);
    return { ...o, wish: wish.length ? wish : undefined, satisfaction, improvement };
  } finally {
    rl.close();
  }
}
