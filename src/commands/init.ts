import type { Command } from "commander";
import type { ComposeCandidate } from "../core/compose-files.js";
import { info, printJson, success } from "../core/output.js";
import type { InitResult } from "../init/init.js";
import { jsonOption } from "./common.js";

export function registerInit(program: Command): void {
  jsonOption(
    program
      .command("init")
      .description("set up Nexus in this git repository (idempotent)")
      .option("-y, --yes", "take what init finds without asking (with several compose files: the first)"),
  ).action(async (opts: { json?: boolean; yes?: boolean }) => {
    const { initProject } = await import("../init/init.js");
    const ask = !opts.yes && !opts.json && process.stdin.isTTY && process.stderr.isTTY;
    const result = await initProject(process.cwd(), ask ? { choose: chooseCompose } : {});
    if (opts.json) return printJson(result);
    if (result.alreadyInitialised && result.created.length === 0)
      return success(`Nexus is already set up in ${result.root}.`);
    for (const file of result.created) info(`created ${file}`);
    success(`Nexus initialised in ${result.root}`);
    if (result.gates.length) info(`default gates: ${result.gates.join(", ")}`);
    renderEnvironment(result);
    info(
      "Next: nexus workspace create NAME [--template node-postgres|go-postgres|python-postgres|devcontainer|compose|none]",
    );
  });
}

const shown = (c: ComposeCandidate) => (c.override ? `${c.file} (+ ${c.override})` : c.file);

async function chooseCompose(candidates: ComposeCandidate[]): Promise<number> {
  const { choose } = await import("../core/prompt.js");
  return choose(
    "Several compose files found. Which one is the workspace environment?",
    candidates.map(shown),
  );
}

function renderEnvironment(result: InitResult): void {
  const found = result.environment;
  if (found?.kind === "devcontainer") info(`environment: ${found.file} (default_template: devcontainer)`);
  if (found?.kind === "compose") {
    const files = (found.files ?? []).join(" + ");
    info(
      found.devService
        ? `environment: ${files}, dev service ${found.devService}`
        : `environment: ${files}, no service to work in: Nexus adds its own dev container for ${found.ownDev?.label ?? "Debian"} (set compose.dev_service to use one of the file's)`,
    );
  }
  const others = (found?.candidates ?? []).filter((c) => c.file !== found?.file);
  if (!others.length || result.alreadyInitialised) return;
  info(`other compose files found: ${others.map(shown).join(", ")}`);
  info(
    "To use another, list it (and its override) under compose.files in .nexus/config.yaml (default_template: compose).",
  );
}
