import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitRepo, isolatedHome } from "../../test/helpers/fs.js";
import { initProject } from "../init/init.js";
import { serverCommand, setupAgent } from "./setup.js";

const json = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const mtime = (file: string) => statSync(file).mtimeMs;

let home: string;
let previousCodexHome: string | undefined;
beforeEach(() => {
  home = isolatedHome();
  previousCodexHome = process.env.CODEX_HOME;
  process.env.CODEX_HOME = join(home, ".codex");
});
afterEach(() => {
  if (previousCodexHome === undefined) delete process.env.CODEX_HOME;
  else process.env.CODEX_HOME = previousCodexHome;
});

describe("nexus agent setup", () => {
  it("writes a command that starts the MCP server without PATH or an executable bit", async () => {
    const repo = gitRepo();
    await initProject(repo);
    setupAgent(repo, "claude");
    const entry = json(join(repo, ".mcp.json")).mcpServers.nexus;
    expect(entry.command).toBe(process.execPath);
    expect(isAbsolute(entry.args[0])).toBe(true);
    expect(entry.args[0]).toMatch(/dist[\\/]cli\.js$/);
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      cwd: repo,
      env: { HOME: home, NEXUS_HOME: join(home, ".nexus"), PATH: "" },
      stderr: "pipe",
    });
    const client = new Client({ name: "setup-test", version: "1.0.0" });
    try {
      await client.connect(transport);
      expect(client.getServerVersion()?.name).toBe("nexus");
      expect((await client.listTools()).tools.map((t) => t.name)).toContain("task_claim");
    } finally {
      await client.close();
    }
  });

  it("keeps the user's own nexus entry unless --force, and leaves the other servers alone", async () => {
    const repo = gitRepo();
    const file = join(repo, ".mcp.json");
    const mine = { command: "/opt/nexus/bin/nexus", args: ["mcp"], env: { NEXUS_AGENT: "me" } };
    writeFileSync(file, JSON.stringify({ mcpServers: { nexus: mine, other: { command: "x" } } }));
    const [kept] = setupAgent(repo, "claude");
    expect(kept).toMatchObject({ action: "kept" });
    expect(kept!.message).toBe("kept your existing nexus entry in .mcp.json; --force replaces it");
    expect(json(file).mcpServers.nexus).toEqual(mine);
    const [replaced] = setupAgent(repo, "claude", { force: true });
    expect(replaced!.action).toBe("wrote");
    expect(json(file).mcpServers).toEqual({ nexus: serverCommand(), other: { command: "x" } });
  });

  it("upgrades the bare `nexus mcp` entry earlier versions wrote, and a second run changes nothing", () => {
    const repo = gitRepo();
    const file = join(repo, "opencode.json");
    const legacy = { type: "local", command: ["nexus", "mcp"], enabled: true };
    writeFileSync(file, JSON.stringify({ mcp: { nexus: legacy } }));
    // MCP entry, session-start hook (opencode has none), AGENTS.md.
    expect(setupAgent(repo, "opencode").map((r) => r.action)).toEqual(["wrote", "skipped", "wrote"]);
    const { command, args } = serverCommand();
    expect(json(file).mcp.nexus.command).toEqual([command, ...args]);
    const before = [mtime(file), mtime(join(repo, "AGENTS.md"))];
    const again = setupAgent(repo, "opencode");
    expect(again.map((r) => r.action)).toEqual(["unchanged", "skipped", "unchanged"]);
    expect([mtime(file), mtime(join(repo, "AGENTS.md"))]).toEqual(before);
  });

  it("does the same for codex's config.toml, sub-tables included", () => {
    const repo = gitRepo();
    const file = join(home, ".codex", "config.toml");
    mkdirSync(join(home, ".codex"), { recursive: true });
    const custom =
      'model = "o3"\n\n[mcp_servers.nexus]\ncommand = "/usr/local/bin/nexus"\nargs = ["mcp"]\n\n[mcp_servers.nexus.env]\nNEXUS_AGENT = "codex"\n\n[mcp_servers.other]\ncommand = "x"\n';
    writeFileSync(file, custom);
    expect(setupAgent(repo, "codex")[0]!.action).toBe("kept");
    expect(readFileSync(file, "utf8")).toBe(custom);
    expect(setupAgent(repo, "codex", { force: true })[0]!.action).toBe("wrote");
    const written = readFileSync(file, "utf8");
    expect(written).toContain(`command = ${JSON.stringify(process.execPath)}`);
    expect(written).not.toContain("NEXUS_AGENT");
    expect(written).toContain('model = "o3"');
    expect(written).toContain('[mcp_servers.other]\ncommand = "x"');
    expect(written.match(/\[mcp_servers\.nexus\]/g)).toHaveLength(1);
    expect(setupAgent(repo, "codex")[0]!.action).toBe("unchanged");
    expect(readFileSync(file, "utf8")).toBe(written);
  });
});
