import type { Command } from "commander";
import { info, printJson, printTable, success, warn } from "../core/output.js";
import { jsonOption, tasks } from "./common.js";

export function registerAgent(program: Command): void {
  const agent = program.command("agent").description("agents that claim and work on tasks");
  jsonOption(agent.command("register <name>").description("register an agent"))
    .option(
      "--capabilities <list>",
      "comma-separated, e.g. typescript,postgres",
      (v) =>
        v
          .split(",")
          .map((c) => c.trim())
          .filter(Boolean),
      [],
    )
    .action(async (name: string, o: { capabilities: string[]; json?: boolean }) => {
      const { registerAgent: register } = await import("../agents/registry.js");
      const registered = register((await tasks()).db, name, o.capabilities);
      if (o.json) return printJson(registered);
      success(`Agent ${name} registered.`);
    });
  jsonOption(
    agent
      .command("setup <agent>")
      .description("write claude/opencode/codex MCP config, session-start hook and AGENTS.md section"),
  )
    .option("--force", "replace an existing nexus entry that differs (your own command or env)")
    .action(async (name: string, o: { force?: boolean; json?: boolean }) => {
      const { setupAgent } = await import("../agents/setup.js");
      const results = setupAgent((await tasks()).paths.root, name, { force: o.force });
      if (o.json) return printJson(results);
      for (const r of results) {
        if (r.action === "wrote") success(r.message);
        else if (r.action === "kept") warn(r.message);
        else info(r.message);
      }
    });
  jsonOption(agent.command("list").description("agents and the tasks each holds")).action(
    async (o: { json?: boolean }) => {
      const { listAgents, agentHoldings } = await import("../agents/registry.js");
      const tc = await tasks();
      const agents = agentHoldings(listAgents(tc.db), tc.store.rows());
      if (o.json) return printJson(agents);
      if (!agents.length) return info("No agents yet: nexus agent register NAME");
      await printTable(agents, [
        { header: "AGENT", value: (a) => a.name },
        { header: "CAPABILITIES", value: (a) => a.capabilities.join(",") || "-" },
        { header: "HOLDS", value: (a) => a.holding.join(",") || "-" },
      ]);
    },
  );
}
