import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/fs.js";
import { promptWrite } from "./sandbox.js";

/** Runs the launch script as the container would: its variables set, then `exec "$@"`. */
function launch(text: string, stdin: boolean) {
  const path = join(tempDir(), "a b", ".nexus", "runs", "agent", "prompt.md");
  const written = promptWrite({ path, text, stdin });
  const env = Object.fromEntries(written.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
  const script = `${written.script}${written.stdin ?? 'exec "$@"'}`;
  const agent = 'env | grep -c "^NEXUS_PROMPT_[0-9]"; head -c 12';
  const run = spawnSync("/bin/sh", ["-c", script, "nexus-agent", "/bin/sh", "-c", agent], {
    env: { PATH: process.env.PATH, ...env },
    input: "",
    encoding: "utf8",
  });
  return { path, run, parts: written.env.length };
}

describe("the prompt written by the agent's launch (remote workspaces)", () => {
  it("writes any text exactly, 0600, drops its variables, and feeds it to stdin when asked", () => {
    const text = `# Task nx-1\n'quotes' "double" $HOME \`id\` \\ back\n${"é€😀".repeat(20_000)}\nend`;
    const { path, run, parts } = launch(text, true);
    expect(run.status, run.stderr).toBe(0);
    expect(parts).toBeGreaterThan(1);
    expect(readFileSync(path, "utf8")).toBe(text);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(run.stdout).toBe("0\n# Task nx-1\n");
  });

  it("leaves stdin alone without it, and refuses a prompt too large to carry", () => {
    const { run } = launch("short", false);
    expect(run.stdout).toBe("0\n");
    expect(() => promptWrite({ path: "/w/p.md", text: "x".repeat(500_000), stdin: false })).toThrow(
      /prompt is larger than/,
    );
  });
});
