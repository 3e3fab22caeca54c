/**
 * `ralph run --hosts` and `host add --limit` refuse bad input before anything is claimed, created or
 * written; the placement itself is unit-tested (src/ralph/hosts.test.ts) and run end to end in
 * test/remote-ralph.test.ts. No engine and no host is reached here.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const json = (text: string) => JSON.parse(text);

describe("ralph run --hosts", () => {
  let repo = "";
  let id = "";
  const cli = async (...args: string[]) => {
    const result = await runCli(args, repo);
    return { ...result, stderr: stripVTControlCharacters(result.stderr) };
  };

  beforeAll(async () => {
    const home = isolatedHome();
    mkdirSync(join(home, ".nexus"), { recursive: true });
    writeFileSync(
      join(home, ".nexus", "config.yaml"),
      "hosts:\n  lab:\n    url: ssh://dev@10.0.0.5\n    limit: 2\n  big:\n    url: ssh://dev@10.0.0.6\n",
    );
    repo = gitRepo({ "check.sh": "true\n" });
    await runCli(["init"], repo);
    id = json((await cli("task", "create", "t", "--check", "sh check.sh", "--json")).stdout).id;
  });

  const untouched = async () => {
    const shown = json((await cli("task", "show", id, "--json")).stdout);
    expect(shown.status).toBe("open");
    expect(shown.workspace ?? null).toBe(null);
    expect(json((await cli("workspace", "list", "--json")).stdout).workspaces).toHaveLength(0);
  };

  it("refuses an unknown host (not found) before claiming anything", async () => {
    for (const args of [[id], []]) {
      const result = await cli("ralph", "run", ...args, "--hosts", "lab,nope", "--agent-cmd", "true");
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("No host named nope.");
      expect(result.stderr).toContain("nexus host list");
    }
    await untouched();
  });

  it("refuses a malformed list and --on-host with a remote host as usage errors", async () => {
    for (const hosts of ["", "lab,", "Bad_Name"]) {
      const result = await cli("ralph", "run", id, "--hosts", hosts, "--agent-cmd", "true");
      expect(result.code, `${hosts}: ${result.stderr}`).toBe(2);
    }
    const onHost = await cli("ralph", "run", id, "--hosts", "big", "--on-host", "--agent-cmd", "true");
    expect(onHost.code).toBe(2);
    expect(onHost.stderr).toContain("--on-host runs the agent on this machine");
    const land = await cli("ralph", "run", id, "--hosts", "local,big", "--land", "--agent-cmd", "true");
    expect(land.code).toBe(2);
    expect(land.stderr).toContain("--land lands on this machine");
    await untouched();
  });

  it("takes known hosts and `local`: the run goes on to its next check", async () => {
    const result = await cli(
      "ralph",
      "run",
      id,
      "--hosts",
      "lab,local",
      "--template",
      "none",
      "--agent-cmd",
      "true",
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no dev container for the agent to run in");
    await untouched();
  });
});

describe("host add --limit and host list", () => {
  it("refuses a bad limit and the name `local`; list shows each host's limit", async () => {
    const home = isolatedHome();
    for (const limit of ["0", "1001", "two"]) {
      const bad = await runCli(["host", "add", "h1", "ssh://dev@10.0.0.5", "--limit", limit], home);
      expect(bad.code, limit).toBe(2);
    }
    const local = await runCli(["host", "add", "local", "ssh://dev@10.0.0.5"], home);
    expect(local.code).toBe(2);
    expect(stripVTControlCharacters(local.stderr)).toContain('"local" is taken');
    mkdirSync(join(home, ".nexus"), { recursive: true });
    writeFileSync(
      join(home, ".nexus", "config.yaml"),
      "hosts:\n  lab:\n    url: ssh://dev@10.0.0.5\n    limit: 2\n  big:\n    url: ssh://dev@10.0.0.6\n",
    );
    const list = json((await runCli(["host", "list", "--json"], home)).stdout);
    expect(list.map((h: { name: string; limit: number }) => [h.name, h.limit])).toEqual([
      ["lab", 2],
      ["big", 4],
    ]);
    const table = stripVTControlCharacters((await runCli(["host", "list"], home)).stdout);
    expect(table).toMatch(/LIMIT/);
  });
});
