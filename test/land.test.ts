import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { doneTask, landRepo } from "./helpers/land.js";

const json = (text: string) => JSON.parse(text);

describe("nexus land --dry-run", () => {
  let repo = "";
  const ids: Record<string, string> = {};
  const suffix = Math.random().toString(36).slice(2, 7);

  beforeAll(async () => {
    isolatedHome();
    repo = await landRepo();
    ids.low = await doneTask(repo, `low-${suffix}`, { priority: 3 });
    ids.high = await doneTask(repo, `high-${suffix}`, { priority: 1 });
    ids.empty = await doneTask(repo, `empty-${suffix}`, { files: {} });
  }, 120_000);

  it("plans done, verified tasks with unlanded commits, by priority, and changes nothing", async () => {
    const before = git(repo, "rev-parse", "main");
    const status = git(repo, "status", "--porcelain");
    const result = await runCli(["land", "--dry-run", "--json"], repo);
    expect(result.code, result.stderr).toBe(0);
    const data = json(result.stdout);
    expect(data.target).toBe("main");
    expect(data.plan.map((s: { id: string }) => s.id)).toEqual([ids.high, ids.low]);
    expect(data.plan[0]).toMatchObject({ branch: `nexus/high-${suffix}`, ahead: 1 });
    expect(data).toMatchObject({ landed: [], sentBack: [] });
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(git(repo, "status", "--porcelain")).toBe(status);
  });

  it("narrows to the ids given and renders a table", async () => {
    const result = await runCli(["land", ids.low!, "--dry-run"], repo);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Would land on main");
    expect(result.stdout).toContain(ids.low);
    expect(result.stdout).not.toContain(ids.high);
  });

  it("lands the queue for real: rebased in the integration workspace, checked, main fast-forwarded", async () => {
    const result = await runCli(["land", "--json"], repo);
    expect(result.code, result.stderr).toBe(0);
    const data = json(result.stdout);
    expect(data.landed).toEqual([ids.high, ids.low]);
    expect(git(repo, "log", "--merges", "--oneline", "main")).toBe("");
    const own = [":(exclude).nexus/tasks.jsonl", ":(exclude).nexus/allowed_signers"];
    expect(git(repo, "status", "--porcelain", "--untracked-files=no", "--", ".", ...own)).toBe("");
    expect((await runCli(["land", "--dry-run", "--json"], repo)).stdout).toContain('"plan": []');
  });
});

describe("land.target", () => {
  it("lands on the configured branch, and refuses one that does not exist", async () => {
    isolatedHome();
    const repo = gitRepo({ "ok.sh": "exit 0\n" });
    expect((await runCli(["init"], repo)).code).toBe(0);
    git(repo, "branch", "release");
    writeFileSync(
      join(repo, ".nexus/config.yaml"),
      "version: 1\ndefault_template: none\nland:\n  target: release\n",
    );
    const ok = await runCli(["land", "--dry-run", "--json"], repo);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok.stdout)).toMatchObject({ target: "release", plan: [] });
    writeFileSync(
      join(repo, ".nexus/config.yaml"),
      "version: 1\ndefault_template: none\nland:\n  target: nope\n",
    );
    const bad = await runCli(["land", "--dry-run"], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("land.target");
  });
});

describe("the integration workspace made again", () => {
  it("after `workspace destroy nexus-land` (its branch stays), the next land makes it from the target again", async () => {
    isolatedHome();
    const repo = gitRepo({ "ok.sh": "exit 0\n" });
    expect((await runCli(["init"], repo)).code).toBe(0);
    writeFileSync(join(repo, ".nexus", "config.yaml"), "land:\n  template: none\n", { flag: "a" });
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init nexus");
    const suffix = Math.random().toString(36).slice(2, 7);
    const one = await doneTask(repo, `one-${suffix}`, {});
    expect(json((await runCli(["land", "--json"], repo)).stdout).landed).toEqual([one]);
    expect((await runCli(["workspace", "destroy", "nexus-land", "--force"], repo)).code).toBe(0);
    expect(git(repo, "branch", "--list", "nexus/nexus-land")).not.toBe("");
    git(repo, "commit", "-q", "--allow-empty", "-m", "main moves on");
    const two = await doneTask(repo, `two-${suffix}`, {});
    const again = await runCli(["land", "--json"], repo);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again.stdout).landed).toEqual([two]);
    expect(git(repo, "log", "--merges", "--oneline", "main")).toBe("");
  });
});
