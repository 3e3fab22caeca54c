import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TASK_TOOLS } from "../src/mcp/tools.js";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const json = (text: string) => JSON.parse(text);

async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  expect((await runCli(["init"], repo)).code).toBe(0);
  return repo;
}

async function create(repo: string, ...args: string[]): Promise<string> {
  return json((await runCli(["task", "create", ...args, "--json"], repo)).stdout).id;
}

function allowCheckChange(repo: string): void {
  const file = join(repo, ".nexus/config.yaml");
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace("allow_check_change: false", "allow_check_change: true"));
}

async function tool(repo: string, name: string, args: Record<string, unknown>) {
  const previous = process.cwd();
  process.chdir(repo);
  try {
    const result = await TASK_TOOLS.find((t) => t.name === name)!.run(args);
    return JSON.parse(result.content[0]!.text);
  } finally {
    process.chdir(previous);
  }
}

describe("task checks changed after creation, through the CLI", () => {
  it("are recorded and shown; weakened after work started, the task awaits someone else's review", async () => {
    const repo = await project();
    const id = await create(repo, "hard", "--check", "false");
    await runCli(["task", "claim", id, "--agent", "bot"], repo);
    const updated = await runCli(["task", "update", id, "--check", "true", "--by", "bot"], repo);
    expect(updated.code).toBe(0);
    expect(updated.stderr).toContain("needs a review by someone else");
    const show = (await runCli(["task", "show", id], repo)).stdout;
    expect(show).toContain("review       required: its checks were weakened by bot");
    expect(show).toContain("checks_changed: checks weakened after work started");
    expect(show).toContain("false → true");
    expect((await runCli(["task", "history", id], repo)).stdout).toContain("false → true");
    expect((await runCli(["prime", "--agent", "bot"], repo)).stdout).toMatch(
      /## Check changes\n<<<nexus-data-[0-9a-f]{16} check changes\n- .*false → true/,
    );
    const completed = await runCli(["task", "complete", id, "--by", "bot"], repo);
    expect(completed.stderr).toContain("awaits review");
    expect((await runCli(["task", "approve", id, "--by", "bot"], repo)).code).toBe(2);
    expect((await runCli(["task", "approve", id, "--by", "ann"], repo)).code).toBe(0);
  });

  it("takes --allow-check-change only where .nexus/config.yaml allows it", async () => {
    const repo = await project();
    const id = await create(repo, "t", "--check", "false");
    await runCli(["task", "start", id], repo);
    const before = readFileSync(join(repo, ".nexus/tasks.jsonl"));
    const refused = await runCli(["task", "update", id, "--check", "true", "--allow-check-change"], repo);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("allow_check_change: true");
    expect(readFileSync(join(repo, ".nexus/tasks.jsonl"))).toEqual(before);
    allowCheckChange(repo);
    const waived = await runCli(["task", "update", id, "--check", "true", "--allow-check-change"], repo);
    expect(waived.code).toBe(0);
    expect((await runCli(["task", "complete", id], repo)).stderr).toContain("is done");
  });
});

describe("a task marked done without a passing gate run", () => {
  it("is listed, shown, counted and served as unverified until `task verify` settles it", async () => {
    const repo = await project();
    const ids = [await create(repo, "one", "--check", "true"), await create(repo, "two", "--check", "true")];
    const file = join(repo, ".nexus/tasks.jsonl");
    writeFileSync(file, readFileSync(file, "utf8").replaceAll('"status":"open"', '"status":"done"'));
    const list = (await runCli(["task", "list"], repo)).stdout;
    expect(list).toContain("done (unverified)");
    const listed = json((await runCli(["task", "list", "--unverified", "--json"], repo)).stdout);
    expect(listed.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    expect((await runCli(["task", "show", ids[0]!], repo)).stdout).toContain("done (unverified)");
    const insights = (await runCli(["insights"], repo)).stdout;
    expect(insights).toContain("2 tasks marked done without a passing gate run");
    expect(insights).toMatch(new RegExp(`nexus task verify (${ids.join("|")})`));
    expect((await tool(repo, "task_show", { id: ids[0] })).unverified).toBe(true);
    expect((await tool(repo, "task_list", {}))[0].unverified).toBe(true);

    const verified = await runCli(["task", "verify", ids[0]!], repo);
    expect(verified.code).toBe(0);
    expect(json((await runCli(["task", "list", "--unverified", "--json"], repo)).stdout)).toHaveLength(1);
    expect((await runCli(["task", "show", ids[0]!], repo)).stdout).not.toContain("unverified");
    expect((await runCli(["insights"], repo)).stdout).toContain(
      "1 task marked done without a passing gate run",
    );
  });
});
