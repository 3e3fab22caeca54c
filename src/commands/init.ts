import type { Command } from "commander";
import { info, printJson, success } from "../core/output.js";
import { jsonOption } from "./common.js";

export function registerInit(program: Command): void {
  jsonOption(program.command("init").description("set up Nexus in this git repository (idempotent)")).action(
    async (opts: { json?: boolean }) => {
      const { initProject } = await import("../core/init.js");
      const result = await initProject();
      if (opts.json) return printJson(result);
      if (result.alreadyInitialised && result.created.length === 0)
        return success(`Nexus is already set up in ${result.root}.`);
      for (const file of result.created) info(`created ${file}`);
      success(`Nexus initialised in ${result.root}`);
      if (result.gates.length) info(`default gates: ${result.gates.join(", ")}`);
      const found = result.environment;
      if (found?.kind === "devcontainer") info(`environment: ${found.file} (default_template: devcontainer)`);
      if (found?.kind === "compose")
        info(
          found.devService
            ? `environment: ${found.file}, dev service ${found.devService}`
            : `environment: ${found.file}, no service to work in: Nexus adds its own dev container for ${found.ownDev?.label} (set compose.dev_service to use one of the file's)`,
        );
      info(
        "Next: nexus workspace create NAME [--template node-postgres|go-postgres|python-postgres|devcontainer|compose|none]",
      );
    },
  );
}
