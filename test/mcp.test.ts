import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import type { ToolDef } from "../src/mcp/tools.js";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

type ToolResult = { content: { type: string; text: string }[]; isError?: boolean };

async function connect(repo: string, home: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    // The installed command (bundle, code cache), as an agent starts it.
    args: [new URL("../bin/nexus.cjs", import.meta.url).pathname, "mcp"],
    cwd: repo,
    env: {
      ...(process.env as Record<string, string>),
      HOME: home,
      NEXUS_HOME: join(home, ".nexus"),
      NEXUS_AGENT: "mcp-agent",
    },
    stderr: "pipe",
  });
  client = new Client({ name: "nexus-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

const call = async (c: Client, name: string, args: Record<string, unknown>) =>
  (await c.callTool({ name, arguments: args })) as ToolResult;

describe("nexus mcp, driven by the SDK's own client over stdio", () => {
  it("lists a small tool surface, creates, claims and completes tasks, and returns gate failures as tool errors", async () => {
    const home = isolatedHome();
    const repo = gitRepo({ "ok.sh": "exit 0\n" });
    await runCli(["init"], repo);
    const c = await connect(repo, home);
    const { tools } = await c.listTools();
    expect(tools.length).toBeLessThanOrEqual(12);
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "task_create",
        "task_ready",
        "task_claim",
        "task_complete",
        "task_land",
        "workspace_exec",
      ]),
    );
    expect(tools.every((t) => t.inputSchema.type === "object" && (t.description ?? "").length < 120)).toBe(
      true,
    );

    const failing = JSON.parse(
      (await call(c, "task_create", { title: "will fail", checks: ["echo broken; exit 3"] })).content[0]!
        .text,
    );
    const passing = JSON.parse(
      (await call(c, "task_create", { title: "will pass", checks: ["sh ok.sh"], priority: 0 })).content[0]!
        .text,
    );
    const ready = JSON.parse((await call(c, "task_ready", {})).content[0]!.text);
    expect(ready[0].id).toBe(passing.id);
    const claimed = JSON.parse((await call(c, "task_claim", { agent: "mcp-agent" })).content[0]!.text);
    expect(claimed).toMatchObject({ id: passing.id, status: "in_progress", assignee: "mcp-agent" });
    const done = await call(c, "task_complete", { id: passing.id, agent: "mcp-agent" });
    expect(JSON.parse(done.content[0]!.text).status).toBe("done");

    await call(c, "task_claim", { id: failing.id, agent: "mcp-agent" });
    const gateFailure = await call(c, "task_complete", { id: failing.id, agent: "mcp-agent" });
    expect(gateFailure.isError).toBe(true);
    expect(gateFailure.content[0]!.text).toContain("exit 3");
    expect(gateFailure.content[0]!.text).toContain("broken");
    const { history } = JSON.parse((await call(c, "task_show", { id: failing.id })).content[0]!.text);
    expect(history.map((e: { type: string }) => e.type)).toContain("gate_failed");
    expect(tools.map((t) => t.name)).not.toContain("task_history");

    const unknown = await call(c, "task_show", { id: "nx-none" });
    expect(unknown.isError).toBe(true);
    expect(unknown.content[0]!.text).toContain("No task nx-none");
    const exec = await call(c, "workspace_create", { name: "mcp-ws", template: "none" });
    expect(exec.isError).toBeFalsy();
    const ran = JSON.parse(
      (await call(c, "workspace_exec", { name: "mcp-ws", command: "git rev-parse --abbrev-ref HEAD" }))
        .content[0]!.text,
    );
    expect(ran).toMatchObject({ exitCode: 0, output: "nexus/mcp-ws\n" });
  });

  it("task_land: dry_run returns the queue and changes nothing; then the task lands on main", async () => {
    const home = isolatedHome();
    const repo = gitRepo({ "ok.sh": "exit 0\n" });
    await runCli(["init"], repo);
    writeFileSync(join(repo, ".nexus/config.yaml"), "land:\n  template: none\n", { flag: "a" });
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init nexus; land in a worktree-only workspace");
    const name = `mcp-land-${Math.random().toString(36).slice(2, 7)}`;
    expect((await runCli(["workspace", "create", name, "-t", "none"], repo)).code).toBe(0);
    const created = await runCli(
      ["task", "create", "land me", "-w", name, "--check", "sh ok.sh", "--json"],
      repo,
    );
    const { id } = JSON.parse(created.stdout);
    expect((await runCli(["task", "start", id], repo)).code).toBe(0);
    const tree = (await runCli(["workspace", "path", name], repo)).stdout.trim();
    writeFileSync(join(tree, "landed.txt"), "work\n");
    git(tree, "add", "landed.txt");
    git(tree, "commit", "-qm", "the work to land");
    expect((await runCli(["task", "complete", id], repo)).code).toBe(0);
    const before = git(repo, "rev-parse", "main");

    const c = await connect(repo, home);
    const plan = JSON.parse((await call(c, "task_land", { dry_run: true })).content[0]!.text);
    expect(plan.plan).toMatchObject([{ id, branch: `nexus/${name}`, ahead: 1 }]);
    expect(git(repo, "rev-parse", "main")).toBe(before);

    const landed = await call(c, "task_land", { ids: [id] });
    expect(landed.isError, landed.content[0]!.text).toBeFalsy();
    expect(JSON.parse(landed.content[0]!.text)).toMatchObject({ target: "main", landed: [id], sentBack: [] });
    expect(git(repo, "log", "-1", "--format=%s", "main")).toBe("the work to land");
    expect(readFileSync(join(repo, "landed.txt"), "utf8")).toBe("work\n");
    const { history } = JSON.parse((await call(c, "task_show", { id })).content[0]!.text);
    expect(history.at(-1)).toMatchObject({
      type: "landed",
      target: "main",
      commit: git(repo, "rev-parse", "main"),
    });
    expect(JSON.parse((await call(c, "task_land", { dry_run: true })).content[0]!.text).plan).toEqual([]);
  });

  it("bounds every input, describes every parameter, and answers with MCP hints (issue 8)", async () => {
    const home = isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    const c = await connect(repo, home);
    const { tools } = await c.listTools();
    const schema = (name: string) =>
      tools.find((t) => t.name === name)!.inputSchema as {
        properties?: Record<string, { description?: string; enum?: string[] }>;
      };
    const undescribed = tools.flatMap((t) =>
      Object.entries(schema(t.name).properties ?? {})
        .filter(([, p]) => !p.description)
        .map(([name]) => `${t.name}.${name}`),
    );
    expect(undescribed).toEqual([]);
    expect(schema("task_list").properties!.status!.enum).toContain("awaiting_review");
    const template = schema("workspace_create").properties!.template!.description!;
    expect(template).toContain('"none"');
    expect(template).toContain("Docker");

    const bogus = await call(c, "task_list", { status: "bogus" });
    expect(bogus.isError).toBe(true);
    expect(bogus.content[0]!.text).toContain("in_progress");

    const huge = "x".repeat(100_000);
    const short = (r: ToolResult) => {
      expect(r.isError).toBe(true);
      expect(r.content[0]!.text.length).toBeLessThan(2_000);
      expect(r.content[0]!.text).not.toContain("x".repeat(61));
    };
    short(await call(c, "task_create", { title: huge }));
    short(await call(c, "task_create", { title: "ok", checks: Array(21).fill("true") }));
    short(await call(c, "task_create", { title: "ok", agent: huge }));
    short(await call(c, "task_claim", { agent: huge }));
    short(await call(c, "task_show", { id: huge }));
    short(await call(c, "workspace_create", { name: huge, template: "none" }));
    short(await call(c, "workspace_exec", { name: "ws", command: huge }));
    const tasksFile = join(repo, ".nexus/tasks.jsonl");
    expect(existsSync(tasksFile) ? readFileSync(tasksFile, "utf8") : "").not.toContain("xxxx");

    const unknown = await call(c, "task_show", { id: "nx-none" });
    expect(unknown.content[0]!.text).toContain("Hint: Call task_list");
    expect(unknown.content[0]!.text).not.toContain("nexus task");
  });

  it("writes each agent's MCP configuration and one AGENTS.md section, idempotently", async () => {
    const home = isolatedHome();
    process.env.CODEX_HOME = join(home, ".codex");
    const repo = gitRepo();
    await runCli(["init"], repo);
    for (const agent of ["claude", "opencode", "codex", "claude"])
      expect((await runCli(["agent", "setup", agent], repo)).code).toBe(0);
    const cli = realpathSync(new URL("../dist/cli.js", import.meta.url).pathname);
    expect(JSON.parse(readFileSync(join(repo, ".mcp.json"), "utf8")).mcpServers.nexus).toEqual({
      command: process.execPath,
      args: [cli, "mcp"],
    });
    expect(JSON.parse(readFileSync(join(repo, "opencode.json"), "utf8")).mcp.nexus.command).toEqual([
      process.execPath,
      cli,
      "mcp",
    ]);
    expect(
      readFileSync(join(home, ".codex/config.toml"), "utf8").match(/\[mcp_servers\.nexus\]/g),
    ).toHaveLength(1);
    const agents = readFileSync(join(repo, "AGENTS.md"), "utf8");
    expect(agents.match(/nexus:begin/g)).toHaveLength(1);
    expect(agents).toContain("not a built-in todo list");
    expect((await runCli(["agent", "setup", "cursor"], repo)).code).toBe(2);
    expect(existsSync(join(repo, ".mcp.json"))).toBe(true);
    delete process.env.CODEX_HOME;
  });
});

/** A fresh initialised repository as the working directory while `body` calls the MCP tools in-process. */
async function inProcess(
  body: (tool: (name: string) => ToolDef, repo: string) => Promise<void>,
): Promise<void> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const { ALL_TOOLS } = await import("../src/mcp/server.js");
  const previous = process.cwd();
  process.chdir(repo);
  try {
    await body((name) => ALL_TOOLS.find((t) => t.name === name)!, repo);
  } finally {
    process.chdir(previous);
  }
}

describe("the MCP tools in-process", () => {
  it("answer JSON, and turn every failure into a tool error", async () => {
    await inProcess(async (tool) => {
      const created = JSON.parse(
        (await tool("task_create").run({ title: "in process", checks: ["true"] })).content[0]!.text,
      );
      expect(JSON.parse((await tool("task_list").run({})).content[0]!.text)).toHaveLength(1);
      expect(JSON.parse((await tool("task_show").run({ id: created.id })).content[0]!.text).title).toBe(
        "in process",
      );
      await tool("task_claim").run({ id: created.id, agent: "a" });
      expect((await tool("task_complete").run({ id: created.id, agent: "a" })).isError).toBeFalsy();
      const rejected = JSON.parse(
        (await tool("task_reject").run({ id: created.id, reason: "no tests", by: "rev" })).content[0]!.text,
      );
      expect(rejected.status).toBe("rejected");
      expect((await tool("task_ready").run({})).content[0]!.text).toBe("[]");
      expect((await tool("workspace_create").run({ name: "Bad Name" })).isError).toBe(true);
      expect((await tool("workspace_create").run({ name: "inproc", template: "none" })).isError).toBeFalsy();
      expect(JSON.parse((await tool("workspace_list").run({})).content[0]!.text)[0].name).toBe("inproc");
      expect(
        JSON.parse((await tool("workspace_ports").run({ name: "inproc" })).content[0]!.text).ports,
      ).toEqual([]);
      const failed = await tool("workspace_exec").run({ name: "inproc", command: "exit 4" });
      expect(failed.isError).toBe(true);
      expect(
        JSON.parse((await tool("task_show").run({ id: created.id })).content[0]!.text).history.length,
      ).toBeGreaterThan(3);
    });
  });

  it("list a claim whose lease ran out as open, as the CLI does (issue 20)", async () => {
    await inProcess(async (tool, repo) => {
      const created = JSON.parse((await tool("task_create").run({ title: "lapses" })).content[0]!.text);
      await tool("task_claim").run({ id: created.id, agent: "a", ttl: 1 });
      await new Promise((r) => setTimeout(r, 1_200));
      const listed = JSON.parse((await tool("task_list").run({})).content[0]!.text);
      expect(listed).toMatchObject([{ id: created.id, status: "open", assignee: null }]);
      const ready = JSON.parse((await tool("task_ready").run({})).content[0]!.text);
      expect(ready.map((r: { id: string }) => r.id)).toEqual([created.id]);
      const cli = await runCli(["task", "list", "--json"], repo);
      expect(JSON.parse(cli.stdout)).toEqual(listed);
    });
  });
});
