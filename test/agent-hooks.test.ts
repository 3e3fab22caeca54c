import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

/** Issue 23, part 2: `nexus agent setup` installs the agent's session-start hook running `nexus prime`. */
let home: string;
beforeEach(() => {
  home = isolatedHome();
  process.env.CODEX_HOME = join(home, ".codex");
});
afterEach(() => {
  delete process.env.CODEX_HOME;
});

async function project(): Promise<string> {
  const repo = gitRepo();
  expect((await runCli(["init"], repo)).code).toBe(0);
  return repo;
}

const setup = async (repo: string, agent: string) => {
  const r = await runCli(["agent", "setup", agent, "--json"], repo);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { file: string; action: string; message: string }[];
};

type Settings = { hooks: { SessionStart: { matcher?: string; hooks: { command: string }[] }[] } };
const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Settings & Record<string, unknown>;

describe("nexus agent setup: the session-start hook", () => {
  it("claude: adds SessionStart to .claude/settings.json; the hook runs nexus prime; a second setup changes nothing", async () => {
    const repo = await project();
    const first = await setup(repo, "claude");
    const file = join(repo, ".claude/settings.json");
    expect(first.find((r) => r.file === file)).toMatchObject({ action: "wrote" });
    const [group] = read(file).hooks.SessionStart;
    expect(group!.hooks).toMatchObject([{ type: "command", timeout: 30 }]);
    const command = group!.hooks[0]!.command;
    expect(command).toMatch(/dist\/cli\.js prime$/);
    // The hook, as Claude Code runs it: a shell command in the project; its stdout becomes context.
    const out = execFileSync("sh", ["-c", command], { cwd: repo, encoding: "utf8", env: process.env });
    expect(out.length).toBeGreaterThan(0);

    const before = readFileSync(file, "utf8");
    const again = await setup(repo, "claude");
    expect(again.find((r) => r.file === file)).toMatchObject({ action: "unchanged" });
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("keeps everything else of the user's settings, and updates (not duplicates) an older nexus hook", async () => {
    const repo = await project();
    const file = join(repo, ".claude/settings.json");
    mkdirSync(join(repo, ".claude"));
    const theirs = {
      permissions: { allow: ["Bash(npm test)"] },
      env: { FOO: "bar" },
      hooks: {
        PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "./check.sh" }] }],
        SessionStart: [
          { matcher: "startup", hooks: [{ type: "command", command: "cat NOTES.md" }] },
          { hooks: [{ type: "command", command: "nexus prime" }] },
        ],
      },
    };
    writeFileSync(file, JSON.stringify(theirs));
    await setup(repo, "claude");
    const merged = read(file);
    expect(merged.permissions).toEqual(theirs.permissions);
    expect(merged.env).toEqual(theirs.env);
    expect((merged.hooks as Record<string, unknown>).PreToolUse).toEqual(theirs.hooks.PreToolUse);
    const starts = merged.hooks.SessionStart;
    expect(starts).toHaveLength(2);
    expect(starts[0]).toEqual(theirs.hooks.SessionStart[0]);
    expect(starts[1]!.hooks[0]!.command).toMatch(/cli\.js prime$/);
  });

  it("refuses malformed settings with a clear error and writes nothing at all", async () => {
    const repo = await project();
    mkdirSync(join(repo, ".claude"));
    const file = join(repo, ".claude/settings.json");
    for (const bad of ["{ not json", "[]", '{"hooks": {"SessionStart": {}}}']) {
      writeFileSync(file, bad);
      const r = await runCli(["agent", "setup", "claude"], repo);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(".claude/settings.json");
      expect(r.stderr).toContain("not touching it");
      expect(readFileSync(file, "utf8")).toBe(bad);
      expect(existsSync(join(repo, ".mcp.json"))).toBe(false);
      expect(existsSync(join(repo, "AGENTS.md"))).toBe(false);
    }
  });

  it("codex: the same hook in the project's .codex/hooks.json; opencode: says it has none", async () => {
    const repo = await project();
    await setup(repo, "codex");
    const hooks = read(join(repo, ".codex/hooks.json"));
    expect(hooks.hooks.SessionStart[0]!.hooks[0]!.command).toMatch(/cli\.js prime$/);
    expect((await setup(repo, "codex")).some((r) => r.action === "wrote")).toBe(false);

    const opencode = await setup(repo, "opencode");
    expect(opencode.find((r) => r.action === "skipped")?.message).toContain("opencode has no session-start");
    expect(existsSync(join(repo, ".opencode"))).toBe(false);
    const shown = await runCli(["agent", "setup", "opencode"], repo);
    expect(shown.stdout + shown.stderr).toContain("nexus prime");
  });
});
