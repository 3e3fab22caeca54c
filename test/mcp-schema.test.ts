import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LATEST_PROTOCOL_VERSION, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

/**
 * Issue 23, part 2: every tool declares an outputSchema and annotations, and every answer (success
 * and tool error alike) carries structuredContent that validates against it. Validated twice: by the
 * SDK client itself (callTool throws on content that fails the schema) and here, with its Ajv.
 */
const clients: Client[] = [];
const negotiated: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

async function connect(cwd: string, home: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [new URL("../bin/nexus.cjs", import.meta.url).pathname, "mcp"],
    cwd,
    env: { ...(process.env as Record<string, string>), HOME: home, NEXUS_HOME: join(home, ".nexus") },
    stderr: "pipe",
  });
  const client = new Client({ name: "nexus-schema-test", version: "1.0.0" });
  // The revision the client and server agree on: the newest the SDK supports.
  Object.assign(transport, { setProtocolVersion: (version: string) => negotiated.push(version) });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const WRAPPED: Record<string, string> = {
  task_list: "tasks",
  task_ready: "tasks",
  workspace_list: "workspaces",
};

type Answer = { structuredContent?: Record<string, unknown>; isError?: boolean; content: unknown[] };

/** Calls a tool and checks its structuredContent against the tool's own outputSchema. */
function checker(tools: Tool[]) {
  const ajv = new AjvJsonSchemaValidator();
  const seen = { ok: new Set<string>(), error: new Set<string>() };
  const call = async (c: Client, name: string, args: Record<string, unknown>, expectError: boolean) => {
    const answer = (await c.callTool({ name, arguments: args })) as Answer;
    const label = `${name} ${JSON.stringify(args).slice(0, 80)}`;
    expect(Boolean(answer.isError), label).toBe(expectError);
    expect(answer.structuredContent, label).toBeTypeOf("object");
    const schema = tools.find((t) => t.name === name)!.outputSchema!;
    const result = ajv.getValidator(schema)(answer.structuredContent);
    expect(result.errorMessage ?? "valid", label).toBe("valid");
    if (expectError && name !== "workspace_exec") {
      const { error } = answer.structuredContent as { error: { message: string; code: string } };
      expect(error.message.length, label).toBeGreaterThan(0);
      expect(error.code, label).toMatch(/^[a-z_]+$/);
    }
    if (!expectError) {
      // The text is the same JSON (lists: the bare array, wrapped in an object as structuredContent).
      const text = JSON.parse((answer.content[0] as { text: string }).text);
      const key = WRAPPED[name];
      expect(key ? { [key]: text } : text, label).toEqual(answer.structuredContent);
    }
    seen[expectError ? "error" : "ok"].add(name);
    // biome-ignore lint/suspicious/noExplicitAny: JSON, validated against the schema just above
    return answer.structuredContent as Record<string, any>;
  };
  return { call, seen };
}

describe("MCP output schemas, structuredContent and annotations (issue 23)", () => {
  it("every tool declares both, and every answer validates, on success and on error", async () => {
    const home = isolatedHome();
    const repo = gitRepo();
    await runCli(["init"], repo);
    const c = await connect(repo, home);
    const { tools } = await c.listTools();
    expect(tools.length).toBe(12);
    expect(negotiated).toEqual([LATEST_PROTOCOL_VERSION]);
    for (const t of tools) {
      expect(t.outputSchema?.type, t.name).toBe("object");
      expect(JSON.stringify(t.outputSchema), t.name).toContain('"error"');
      expect(t.title, t.name).toBeTruthy();
      const a = t.annotations ?? {};
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const)
        expect(typeof a[hint], `${t.name}.${hint}`).toBe("boolean");
      if (a.readOnlyHint) expect(a.destructiveHint, t.name).toBe(false);
    }
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name);
    expect(readOnly.sort()).toEqual([
      "task_list",
      "task_ready",
      "task_show",
      "workspace_list",
      "workspace_ports",
    ]);

    const { call, seen } = checker(tools);
    const passing = await call(c, "task_create", { title: "passes", checks: ["true"], priority: 0 }, false);
    const failing = await call(c, "task_create", { title: "fails", checks: ["echo broken; exit 3"] }, false);
    expect((await call(c, "task_list", {}, false)).tasks).toHaveLength(2);
    expect((await call(c, "task_ready", {}, false)).tasks[0].id).toBe(passing.id);
    expect((await call(c, "task_claim", { id: passing.id, agent: "a" }, false)).assignee).toBe("a");
    expect((await call(c, "task_show", { id: passing.id }, false)).unverified).toBe(false);
    expect((await call(c, "task_complete", { id: passing.id, agent: "a" }, false)).status).toBe("done");
    const rejected = await call(c, "task_reject", { id: passing.id, reason: "no tests", by: "rev" }, false);
    expect(rejected.status).toBe("rejected");
    expect((await call(c, "task_land", { dry_run: true }, false)).plan).toEqual([]);
    const ws = `schema-${Math.random().toString(36).slice(2, 7)}`;
    const created = await call(c, "workspace_create", { name: ws, template: "none" }, false);
    expect(created.workspace.name).toBe(ws);
    expect((await call(c, "workspace_list", {}, false)).workspaces[0].name).toBe(ws);
    expect((await call(c, "workspace_ports", { name: ws }, false)).ports).toEqual([]);
    expect((await call(c, "workspace_exec", { name: ws, command: "echo hi" }, false)).output).toBe("hi\n");

    await call(c, "task_claim", { id: failing.id, agent: "a" }, false);
    const gates = await call(c, "task_complete", { id: failing.id, agent: "a" }, true);
    expect(gates).toMatchObject({ status: "in_progress", error: { code: "gate_failed" } });
    expect(gates.failed[0]).toMatchObject({ command: "echo broken; exit 3", exitCode: 3 });
    const missing = await call(c, "task_show", { id: "nx-none" }, true);
    expect(missing.error).toMatchObject({ code: "not_found", hint: "Call task_list to see the task IDs." });
    await call(c, "task_claim", { id: "nx-none", agent: "a" }, true);
    await call(c, "task_reject", { id: "nx-none", reason: "r", by: "rev" }, true);
    await call(c, "task_create", { title: "   " }, true);
    // Arguments the SDK itself refuses (inputSchema) carry the error branch too.
    const invalid = await call(c, "task_list", { status: "bogus" }, true);
    expect(invalid.error).toMatchObject({ code: "validation" });
    expect(invalid.error.message).toContain("in_progress");
    await call(c, "workspace_create", { name: "Bad Name", template: "none" }, true);
    expect((await call(c, "workspace_exec", { name: ws, command: "exit 4" }, true)).exitCode).toBe(4);
    await call(c, "workspace_ports", { name: "no-such-ws" }, true);

    // Outside a git repository every tool fails; the tools that take no arguments fail here.
    const outside = await connect(tempDir(), home);
    for (const name of ["task_ready", "task_land", "workspace_list"]) await call(outside, name, {}, true);

    const names = tools.map((t) => t.name).sort();
    expect([...seen.ok].sort()).toEqual(names);
    expect([...seen.error].sort()).toEqual(names);
  });
});
