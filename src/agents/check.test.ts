import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../test/helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "../../test/helpers/fs.js";
import { agentExecutable, findExecutable } from "./check.js";
import { agentCommand } from "./presets.js";

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

/** PATH without any folder that holds one of the agents, so "not installed" is true here. */
function pathWithoutAgents(): string {
  return (savedPath ?? "")
    .split(delimiter)
    .filter((dir) => !["claude", "codex", "opencode", "aider"].some((a) => existsSync(join(dir, a))))
    .join(delimiter);
}

async function project(): Promise<{ repo: string; id: string }> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  const id = JSON.parse(
    (await runCli(["task", "create", "Fix it", "--check", "true", "--json"], repo)).stdout,
  ).id;
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init");
  return { repo, id };
}

describe("which program an agent command starts", () => {
  it("is a preset's first word, or the first plain word of --agent-cmd", () => {
    expect(agentExecutable(agentCommand({ preset: "aider" }))).toBe("aider");
    expect(agentExecutable(agentCommand({ command: "sh ./agent.sh {prompt_file}" }))).toBe("sh");
    expect(agentExecutable(agentCommand({ command: "/opt/bin/agent --go" }))).toBe("/opt/bin/agent");
    for (const unknowable of ["FOO=1 agent", "cd x && agent", "'quoted agent'", "$AGENT run", "echo hi"])
      expect(agentExecutable(agentCommand({ command: unknowable }))).toBeUndefined();
  });

  it("is found on PATH or as an executable file", () => {
    const dir = tempDir();
    const file = join(dir, "my-agent");
    writeFileSync(file, "#!/bin/sh\n");
    expect(findExecutable("my-agent", "/", dir)).toBeUndefined();
    chmodSync(file, 0o755);
    expect(findExecutable("my-agent", "/", `/nonexistent${delimiter}${dir}`)).toBe(file);
    expect(findExecutable("./my-agent", dir, "")).toBe(file);
    expect(findExecutable(dir, "/", "")).toBeUndefined();
  });
});

describe("ralph run --on-host refuses an agent that is not installed on the host (issue 8)", () => {
  it("names the default claude and how to install it, before claiming anything", async () => {
    const { repo, id } = await project();
    const before = readFileSync(join(repo, ".nexus", "tasks.jsonl"), "utf8");
    process.env.PATH = pathWithoutAgents();
    const result = await runCli(["ralph", "run", "--template", "none", "--on-host"], repo);
    expect(result.stderr).toContain("error: Agent command `claude` was not found on PATH.");
    expect(result.stderr).toContain("npm install -g @anthropic-ai/claude-code");
    expect(result.stderr).toContain("--agent-cmd");
    expect(result.stderr).not.toContain("iteration 1");
    expect(result.code).toBe(1);
    expect(readFileSync(join(repo, ".nexus", "tasks.jsonl"), "utf8")).toBe(before);
    expect(existsSync(join(repo, ".nexus", "worktrees", `task-${id.replace(/^nx-/, "")}`))).toBe(false);
  });

  it.each([
    ["codex", "npm install -g @openai/codex"],
    ["opencode", "npm install -g opencode-ai"],
    ["aider", "pip install aider-chat"],
  ])("--agent %s gets its own install hint", async (preset, install) => {
    const { repo } = await project();
    process.env.PATH = pathWithoutAgents();
    const result = await runCli(["ralph", "run", "--agent", preset, "--template", "none", "--on-host"], repo);
    expect(result.stderr).toContain(`Agent command \`${preset}\` was not found on PATH.`);
    expect(result.stderr).toContain(install);
  });

  it("checks --agent-cmd and the review agent too", async () => {
    const { repo } = await project();
    const custom = await runCli(
      ["ralph", "run", "--on-host", "--agent-cmd", "no-such-agent-x {prompt_file}"],
      repo,
    );
    expect(custom.stderr).toContain("Agent command `no-such-agent-x` was not found on PATH.");
    expect(custom.code).toBe(1);
    const review = await runCli(
      [
        "ralph",
        "run",
        "--on-host",
        "--agent-cmd",
        "true",
        "--review-agent-cmd",
        "no-such-reviewer",
        "--template",
        "none",
      ],
      repo,
    );
    expect(review.stderr).toContain("Review agent command `no-such-reviewer` was not found on PATH.");
    expect(review.stderr).toContain("--review-agent-cmd");
    expect(review.code).toBe(1);
  });

  it("refuses an unknown --template before claiming the task", async () => {
    const { repo } = await project();
    const before = readFileSync(join(repo, ".nexus", "tasks.jsonl"), "utf8");
    const result = await runCli(
      ["ralph", "run", "--agent-cmd", "true", "--template", "no-such-template"],
      repo,
    );
    expect(result.stderr).toContain('Unknown template "no-such-template"');
    expect(readFileSync(join(repo, ".nexus", "tasks.jsonl"), "utf8")).toBe(before);
  });
});
