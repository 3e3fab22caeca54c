import type { Command } from "commander";

export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("serve the Model Context Protocol on stdio (tasks and workspaces for agents)")
    .action(async () => {
      const { serveMcp } = await import("../mcp/server.js");
      await serveMcp(program.version() ?? "0");
    });
}
