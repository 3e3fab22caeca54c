import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

const fixtures = new URL("./fixtures/import/", import.meta.url).pathname;
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const plain = (text: string) => text.replace(ANSI, "");
const json = (text: string) => JSON.parse(text);

async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo();
  await runCli(["init"], repo);
  return repo;
}

describe("nexus task import / export", () => {
  it("imports each tool's files from where the tool keeps them; a second import changes nothing", async () => {
    const repo = await project();
    cpSync(join(fixtures, "beads"), repo, { recursive: true });
    cpSync(join(fixtures, "taskmaster"), repo, { recursive: true });
    cpSync(join(fixtures, "backlog"), repo, { recursive: true });
    const counts: Record<string, number> = { beads: 4, taskmaster: 6, backlog: 3 };
    for (const [tool, n] of Object.entries(counts)) {
      const dry = await runCli(["task", "import", "--from", tool, "--dry-run"], repo);
      expect(dry.code).toBe(0);
      expect(plain(dry.stdout)).toMatch(/ACTION\s+ID\s+SOURCE\s+STATUS\s+CHECKS\s+CHANGES\s+TITLE/);
      expect(plain(dry.stderr)).toContain(
        `Dry run, nothing changed: ${n} to create, 0 to update, 0 unchanged`,
      );
      const done = await runCli(["task", "import", "--from", tool], repo);
      expect(done.code).toBe(0);
      expect(plain(done.stderr)).toContain(`${n} created`);
      expect(plain(done.stderr)).toContain("unverified until their gates pass");
      const again = json((await runCli(["task", "import", "--from", tool, "--json"], repo)).stdout);
      expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, n]);
    }
    const claude = json(
      (
        await runCli(
          ["task", "import", "--from", "claude", join(fixtures, "claude/tasks/sprint-7"), "--json"],
          repo,
        )
      ).stdout,
    );
    expect(claude.created).toBe(3);
    // An import never writes a verified done: every imported done lists as unverified.
    const list = plain((await runCli(["task", "list", "--status", "done"], repo)).stdout);
    expect(
      list
        .split("\n")
        .filter((l) => l.includes(" done"))
        .every((l) => l.includes("done (unverified)")),
    ).toBe(true);
    const unverified = json((await runCli(["task", "list", "--unverified", "--json"], repo)).stdout);
    expect(unverified).toHaveLength(5);
    const show = plain((await runCli(["task", "show", unverified[0].id], repo)).stdout);
    expect(show).toMatch(/Unverified: marked done without a passing gate run/);
    expect(show).toMatch(/imported\s+from \w+ \S+/);
  });

  it("a folder given for a tool's tasks is searched for where the tool keeps them", async () => {
    const repo = await project();
    // The other repository's root (beads, taskmaster, backlog), and beads' own `.beads` folder.
    const given: [string, string, number][] = [
      ["beads", join(fixtures, "beads"), 4],
      ["taskmaster", join(fixtures, "taskmaster"), 6],
      ["backlog", join(fixtures, "backlog"), 3],
      ["backlog", join(fixtures, "backlog/backlog"), 3],
      ["beads", join(fixtures, "beads/.beads"), 4],
    ];
    for (const [tool, path, n] of given) {
      const dry = json(
        (await runCli(["task", "import", "--from", tool, path, "--dry-run", "--json"], repo)).stdout,
      );
      expect(dry.created, `${tool} ${path}`).toBe(n);
      expect(dry.path.startsWith(path)).toBe(true);
    }
  });

  it("export then import into another project gives the same tasks; exports refuse to overwrite", async () => {
    const a = await project();
    cpSync(join(fixtures, "beads"), a, { recursive: true });
    await runCli(["task", "import", "--from", "beads"], a);
    const out = tempDir();
    for (const tool of ["beads", "taskmaster", "backlog", "claude"]) {
      const path = join(out, tool);
      const exported = await runCli(["task", "export", "--to", tool, path, "--json"], a);
      expect(exported.code).toBe(0);
      expect(json(exported.stdout).tasks).toBe(4);
      const twice = await runCli(["task", "export", "--to", tool, path], a);
      expect(twice.code).toBe(1);
      expect(plain(twice.stderr)).toContain("--force");
      expect((await runCli(["task", "export", "--to", tool, path, "--force"], a)).code).toBe(0);
      const b = await project();
      expect(json((await runCli(["task", "import", "--from", tool, path, "--json"], b)).stdout).created).toBe(
        4,
      );
      const shape = async (repo: string) => {
        const listed = await runCli(["task", "list", "--json"], repo);
        if (listed.code) throw new Error(listed.stderr);
        const tasks = json(listed.stdout) as { id: string }[];
        const full = [];
        // One at a time: runCli captures this process's output.
        for (const t of tasks) full.push(json((await runCli(["task", "show", t.id, "--json"], repo)).stdout));
        const titleOf = new Map(full.map((t) => [t.id, t.title]));
        return full
          .map((t) => ({ ...pick(t), dependsOn: t.dependsOn.map((d: string) => titleOf.get(d)) }))
          .sort((x, y) => String(x.title).localeCompare(String(y.title)));
      };
      expect(await shape(b)).toEqual(await shape(a));
    }
    expect(readdirSync(join(out, "claude")).sort()).toEqual([
      ".highwatermark",
      "1.json",
      "2.json",
      "3.json",
      "4.json",
    ]);
    expect(readFileSync(join(out, "beads"), "utf8")).toContain('"id":"bd-a1b2"');
  });

  it("bad input is a typed error with a hint, and nothing is written", async () => {
    const repo = await project();
    const missing = await runCli(["task", "import", "--from", "beads"], repo);
    expect(missing.code).toBe(1);
    expect(plain(missing.stderr)).toMatch(/No beads tasks at .*\.beads\/issues\.jsonl/);
    const unknown = await runCli(["task", "import", "--from", "jira"], repo);
    expect(unknown.code).toBe(2);
    expect(plain(unknown.stderr)).toContain("--from must be one of beads, taskmaster, backlog, claude");
    const noList = await runCli(["task", "import", "--from", "claude"], repo);
    expect(noList.code).toBe(2);
    expect(plain(noList.stderr)).toContain("~/.claude/tasks/");
    const bad = await runCli(["task", "import", "--from", "taskmaster", join(fixtures, "README.md")], repo);
    expect(bad.code).toBe(2);
    expect(plain(bad.stderr)).toContain("is not a taskmaster task file");
    expect(
      existsSync(join(repo, ".nexus/tasks.jsonl"))
        ? readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8")
        : "",
    ).toBe("");
  });

  it("titles from the file are data: escape sequences never reach the terminal", async () => {
    const repo = await project();
    const dir = tempDir();
    const file = join(dir, "issues.jsonl");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      file,
      `${JSON.stringify({ id: "bd-1", title: "evil \u001b]0;owned\u0007 title", status: "open" })}\n`,
    );
    const dry = await runCli(["task", "import", "--from", "beads", file, "--dry-run"], repo);
    expect(dry.stdout).not.toContain("\u001b]0;");
    expect(dry.stdout).toContain("evil");
  });
});

const pick = (t: Record<string, unknown>) => ({
  title: t.title,
  description: t.description,
  status: t.status,
  priority: t.priority,
  labels: t.labels,
  checks: t.checks,
  unverified: t.unverified,
});
