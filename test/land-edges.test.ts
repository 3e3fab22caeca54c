import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hasTerminalControl } from "../src/core/visible.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { git, isolatedHome, tempDir } from "./helpers/fs.js";
import { doneTask, landRepo, worktreeOf } from "./helpers/land.js";

// `nexus land` where users and hostile agents push on it, with no containers (land.template: none).

const json = (text: string) => JSON.parse(text);

const land = async (repo: string, ...args: string[]) => runCli(["land", ...args], repo);
const lastEvent = async (repo: string, id: string) => {
  const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
  return (shown.task ?? shown).history.at(-1);
};

beforeAll(() => {
  isolatedHome();
});

describe("the user's checkout of the target", () => {
  for (const staged of [false, true]) {
    it(`refuses an uncommitted change of the user's (${staged ? "staged" : "unstaged"}), changing nothing`, async () => {
      const repo = await landRepo();
      const id = await doneTask(repo, "a");
      writeFileSync(join(repo, "ok.sh"), "exit 0 # my edit\n");
      if (staged) git(repo, "add", "ok.sh");
      const before = { main: git(repo, "rev-parse", "main"), status: git(repo, "status", "--porcelain") };
      const tasks = readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8");
      const result = await land(repo);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("main is checked out in");
      expect(result.stderr).toContain("ok.sh");
      expect(result.stderr).toMatch(/stash/);
      expect(git(repo, "rev-parse", "main")).toBe(before.main);
      expect(git(repo, "status", "--porcelain")).toBe(before.status);
      expect(readFileSync(join(repo, "ok.sh"), "utf8")).toBe("exit 0 # my edit\n");
      expect(readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8")).toBe(tasks);
      expect((await lastEvent(repo, id)).type).toBe("gates_passed");
    });
  }

  it("carries a dirty .nexus/tasks.jsonl through the landing, not a refusal", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "a");
    const other = json((await runCli(["task", "create", "not landing", "--json"], repo)).stdout).id;
    expect(git(repo, "status", "--porcelain")).toBe("M .nexus/tasks.jsonl");
    const lineOf = (text: string, taskId: string) => text.split("\n").find((l) => l.includes(`"${taskId}"`));
    const before = readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8");
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).landed).toEqual([id]);
    // Still the user's uncommitted file: the other task as it was, the landing added to the landed one.
    expect(git(repo, "status", "--porcelain")).toBe("M .nexus/tasks.jsonl");
    const after = readFileSync(join(repo, ".nexus/tasks.jsonl"), "utf8");
    expect(lineOf(after, other)).toBe(lineOf(before, other));
    expect(lineOf(after, id)).toContain('"type":"landed"');
    expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("a\n");
    expect(git(repo, "diff", "HEAD", "--stat", "--", "a.txt")).toBe("");
  });

  it("refuses, before the target moves, when an untracked file of the user's is in the way", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "a", { files: { "new.txt": "theirs\n" } });
    writeFileSync(join(repo, "new.txt"), "mine\n");
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("new.txt");
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(readFileSync(join(repo, "new.txt"), "utf8")).toBe("mine\n");
    expect((await lastEvent(repo, id)).type).toBe("gates_passed");
    expect(git(repo, "rev-parse", "--git-common-dir")).toBeTruthy();
    const journal = join(repo, ".git", "nexus-land.json");
    expect(() => readFileSync(journal)).toThrow();
  });

  it("refuses when an ignored file of the user's (.env) is where the branch adds a tracked one", async () => {
    const repo = await landRepo();
    writeFileSync(join(repo, ".gitignore"), ".env\n", { flag: "a" });
    git(repo, "commit", "-qam", "ignore .env");
    // The branch starts tracking .env (git add -f): landing it would replace the user's secrets.
    const id = await doneTask(repo, "a", { files: { "a.txt": "a\n" } });
    const tree = worktreeOf(repo, "a");
    writeFileSync(join(tree, ".env"), "AGENT=1\n");
    git(tree, "add", "-f", ".env");
    git(tree, "commit", "-qm", "track .env");
    const verify = await runCli(["task", "verify", id, "--json"], repo);
    expect(verify.code, verify.stderr).toBe(0);
    writeFileSync(join(repo, ".env"), "SECRET=mine\n");
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("ignored files would be overwritten: .env");
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(readFileSync(join(repo, ".env"), "utf8")).toBe("SECRET=mine\n");
  });
});

describe("the integration workspace", () => {
  it("is made again when its worktree was deleted by hand, or the workspace destroyed", async () => {
    const repo = await landRepo();
    await doneTask(repo, "a");
    expect((await land(repo)).code).toBe(0);
    rmSync(join(repo, ".nexus/worktrees/nexus-land"), { recursive: true, force: true });
    const b = await doneTask(repo, "b");
    const again = await land(repo, "--json");
    expect(again.code, again.stderr).toBe(0);
    expect(json(again.stdout).landed).toEqual([b]);
    expect((await runCli(["workspace", "destroy", "nexus-land", "--force"], repo)).code).toBe(0);
    const c = await doneTask(repo, "c");
    const third = await land(repo, "--json");
    expect(third.code, third.stderr).toBe(0);
    expect(json(third.stdout).landed).toEqual([c]);
    expect(git(repo, "log", "--format=%s", "-3", "main").split("\n")).toEqual([
      "work of c",
      "work of b",
      "work of a",
    ]);
  });
});

describe("what does not land", () => {
  it("refuses to clean a workspace named nexus-land that someone works in", async () => {
    const repo = await landRepo();
    expect((await runCli(["workspace", "create", "nexus-land", "-t", "none"], repo)).code).toBe(0);
    const mine = join(worktreeOf(repo, "nexus-land"), "draft.txt");
    writeFileSync(mine, "my draft\n");
    await doneTask(repo, "a");
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Workspace nexus-land has uncommitted changes");
    expect(readFileSync(mine, "utf8")).toBe("my draft\n");
    expect(git(repo, "rev-parse", "main")).toBe(before);
  });

  it("sends back a task verified on uncommitted changes (+dirty): cause unverified", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "a", { uncommitted: { "loose.txt": "not committed\n" } });
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).outcomes).toMatchObject([{ id, outcome: "sent_back", cause: "unverified" }]);
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(await lastEvent(repo, id)).toMatchObject({ type: "rejected", cause: "unverified" });
  });

  for (const own of [".nexus/allowed_signers", ".nexus/tasks.jsonl", ".NEXUS/Allowed_Signers"])
    it(`sends back a branch that changes ${own} (cause own-files); it never reaches main`, async () => {
      const repo = await landRepo();
      const attacker =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAttackerAttackerAttackerAttackerAttacker1 evil\n";
      await doneTask(repo, "honest"); // the user's key is committed on main: the branch starts from it
      const current = git(repo, "show", `main:${own.toLowerCase()}`);
      const id = await doneTask(repo, "evil", {
        files: { [own]: `${current}\n${attacker}`, "x.txt": "x\n" },
      });
      const before = git(repo, "rev-parse", "main");
      const result = await land(repo, id, "--json");
      expect(result.code, result.stderr).toBe(0);
      expect(json(result.stdout).outcomes).toMatchObject([{ id, outcome: "sent_back", cause: "own-files" }]);
      expect(git(repo, "rev-parse", "main")).toBe(before);
      expect(git(repo, "log", "-S", "Attacker", "--oneline", "main")).toBe("");
      expect(readFileSync(join(repo, ".nexus/allowed_signers"), "utf8")).not.toContain("Attacker");
    });

  it("sends back a branch that adds a key to .nexus/allowed_signers and removes it in a later commit", async () => {
    const repo = await landRepo();
    await doneTask(repo, "honest");
    expect((await runCli(["workspace", "create", "evil", "-t", "none"], repo)).code).toBe(0);
    const tree = worktreeOf(repo, "evil");
    const signers = join(tree, ".nexus/allowed_signers");
    const current = readFileSync(signers, "utf8");
    writeFileSync(signers, `${current}attacker ssh-ed25519 AAAAAttacker\n`);
    git(tree, "commit", "-qam", "add a key");
    writeFileSync(signers, current);
    writeFileSync(join(tree, "x.txt"), "x\n");
    git(tree, "add", "-A");
    git(tree, "commit", "-qm", "and take it out again");
    const args = ["task", "create", "evil", "-w", "evil", "--check", "test -f ok.sh", "--json"];
    const id = json((await runCli(args, repo)).stdout).id as string;
    await runCli(["task", "start", id], repo);
    expect((await runCli(["task", "complete", id], repo)).code).toBe(0);
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo, id, "--json");
    expect(json(result.stdout).outcomes).toMatchObject([{ id, outcome: "sent_back", cause: "own-files" }]);
    expect(git(repo, "rev-parse", "main")).toBe(before);
  });

  it("skips a task whose dependency was sent back in the same run: its branch carries that work", async () => {
    const repo = await landRepo();
    const red = `case "$PWD" in *nexus-land*) exit 1;; esac; true`;
    const a = await doneTask(repo, "a", { check: red });
    const b = await doneTask(repo, "b", { from: "nexus/a", depends: a });
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).outcomes).toMatchObject([
      { id: a, outcome: "sent_back", cause: "checks" },
      { id: b, outcome: "skipped", reason: `its dependency ${a} has not landed (rejected)` },
    ]);
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect((await lastEvent(repo, b)).type).toBe("gates_passed");
    // Next time, too: the dependency is back with its assignee.
    const again = await land(repo, b, "--json");
    expect(json(again.stdout).outcomes).toMatchObject([{ id: b, outcome: "skipped" }]);
    expect(git(repo, "rev-parse", "main")).toBe(before);
  });

  it("skips a task whose verified commit is not in this repository, with the pull hint", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "gone");
    const tree = worktreeOf(repo, "gone");
    git(tree, "commit", "-q", "--amend", "-m", "rewritten");
    git(repo, "reflog", "expire", "--expire=now", "--all");
    git(repo, "gc", "-q", "--prune=now");
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    const [outcome] = json(result.stdout).outcomes;
    expect(outcome).toMatchObject({ id, outcome: "skipped" });
    expect(outcome.reason).toContain("nexus workspace pull gone");
    expect((await lastEvent(repo, id)).type).toBe("gates_passed");
  });
});

describe("where the landing goes", () => {
  it("--push fast-forwards a bare remote; a remote that diverged keeps the landing and reports the push", async () => {
    const repo = await landRepo();
    const remote = tempDir("nexus-remote-");
    git(remote, "init", "-q", "--bare", "-b", "main");
    git(repo, "remote", "add", "origin", remote);
    git(repo, "push", "-q", "origin", "main");
    const a = await doneTask(repo, "a");
    const first = await land(repo, "--push", "origin", "--json");
    expect(first.code, first.stderr).toBe(0);
    expect(json(first.stdout).outcomes).toMatchObject([{ id: a, outcome: "landed", pushed: true }]);
    expect(git(remote, "rev-parse", "main")).toBe(git(repo, "rev-parse", "main"));

    const other = tempDir("nexus-other-");
    git(other, "clone", "-q", remote, ".");
    git(other, "-c", "user.name=o", "-c", "user.email=o@x", "commit", "-q", "--allow-empty", "-m", "theirs");
    git(other, "push", "-q", "origin", "main");
    const b = await doneTask(repo, "b");
    const second = await land(repo, "--push", "origin", "--json");
    expect(second.code, second.stderr).toBe(0);
    const [outcome] = json(second.stdout).outcomes;
    expect(outcome).toMatchObject({ id: b, outcome: "landed" });
    expect(outcome.pushed).toEqual(expect.stringMatching(/rejected|failed to push/));
    expect(git(repo, "log", "-1", "--format=%s", "main")).toBe("work of b");
    expect(git(remote, "log", "-1", "--format=%s", "main")).toBe("theirs");
    const text = await land(repo, "--push", "origin");
    expect(text.code).toBe(0);
  });

  it("takes a --push remote that looks like an option as a name: nothing runs", async () => {
    const repo = await landRepo();
    const pwned = join(tempDir("nexus-pwned-"), "pwned");
    const id = await doneTask(repo, "a");
    const result = await land(repo, `--push=--receive-pack=touch ${pwned}; echo`, "--json");
    expect(result.code, result.stderr).toBe(0);
    const [outcome] = json(result.stdout).outcomes;
    expect(outcome).toMatchObject({ id, outcome: "landed", pushed: expect.any(String) });
    expect(() => readFileSync(pwned)).toThrow();
  });

  it("--review pushes land/ID and leaves main as it was", async () => {
    const repo = await landRepo();
    const remote = tempDir("nexus-remote-");
    git(remote, "init", "-q", "--bare", "-b", "main");
    git(repo, "remote", "add", "origin", remote);
    const id = await doneTask(repo, "a");
    const before = git(repo, "rev-parse", "main");
    const result = await land(repo, "--review", "origin", "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).outcomes).toMatchObject([{ id, outcome: "pushed_for_review" }]);
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(git(remote, "log", "-1", "--format=%s", `land/${id}`)).toBe("work of a");
    expect(git(remote, "merge-base", "--is-ancestor", before, `land/${id}`)).toBe("");
  });

  it("moves a land.target no checkout has checked out with update-ref alone", async () => {
    const repo = await landRepo("  target: release\n");
    git(repo, "branch", "release");
    const id = await doneTask(repo, "a");
    const main = git(repo, "rev-parse", "main");
    const status = git(repo, "status", "--porcelain", "--", ".", ":(exclude).nexus/tasks.jsonl");
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)).toMatchObject({ target: "release", landed: [id] });
    expect(git(repo, "log", "-1", "--format=%s", "release")).toBe("work of a");
    expect(git(repo, "rev-parse", "main")).toBe(main);
    expect(git(repo, "status", "--porcelain", "--", ".", ":(exclude).nexus/tasks.jsonl")).toBe(status);
    expect(() => readFileSync(join(repo, "a.txt"))).toThrow();
  });
});

const landedEvents = async (repo: string, id: string) => {
  const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
  return (shown.task ?? shown).history.filter((e: { type: string }) => e.type === "landed");
};

describe("landings that race", () => {
  it("rebases again when someone else moves the target while the checks run (compare-and-swap)", async () => {
    const repo = await landRepo();
    const mark = join(tempDir("nexus-mark-"), "moved");
    // In the integration workspace only, once: another commit lands on main while the check runs.
    const check = `case "$PWD" in *nexus-land*) [ -f ${mark} ] || { touch ${mark}; git -C ${repo} commit -q --allow-empty -m "someone else"; };; esac; test -f ok.sh`;
    const id = await doneTask(repo, "a", { check });
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).landed).toEqual([id]);
    expect(git(repo, "log", "--format=%s", "-3", "main").split("\n")).toEqual([
      "work of a",
      "someone else",
      "nexus files",
    ]);
    expect(await landedEvents(repo, id)).toHaveLength(1);
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("M .nexus/tasks.jsonl");
  });

  it("lands when git moved the target but was stopped by a signal on its way out (Ctrl-C after the move)", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "a");
    const bin = tempDir("nexus-fake-git-");
    const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
    // The real update-ref runs, then this git dies of SIGINT, as when Ctrl-C reaches the process group.
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\ncase " $* " in *" update-ref -m nexus land "*) ${real} "$@"; kill -INT $$;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const result = await spawnCli(["land", "--json"], repo, { PATH: `${bin}:${process.env.PATH}` });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).landed).toEqual([id]);
    expect(git(repo, "log", "-1", "--format=%s", "main")).toBe("work of a");
    expect(await landedEvents(repo, id)).toHaveLength(1);
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("M .nexus/tasks.jsonl");
  });

  it("leaves the user's checkout alone when they switch it to another branch while the checks run", async () => {
    const repo = await landRepo();
    const check = `case "$PWD" in *nexus-land*) git -C ${repo} switch -q -c feature;; esac; test -f ok.sh`;
    const id = await doneTask(repo, "a", { check });
    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).landed).toEqual([id]);
    expect(git(repo, "log", "-1", "--format=%s", "main")).toBe("work of a");
    expect(git(repo, "branch", "--show-current")).toBe("feature");
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("M .nexus/tasks.jsonl");
    expect(() => readFileSync(join(repo, "a.txt"))).toThrow();
  });

  it("lands each task once when two `nexus land` run at once (the lock)", async () => {
    const repo = await landRepo();
    const a = await doneTask(repo, "a");
    const b = await doneTask(repo, "b");
    const base = git(repo, "rev-parse", "main");
    const both = await Promise.all([spawnCli(["land", "--json"], repo), spawnCli(["land", "--json"], repo)]);
    for (const run of both) expect(run.code, run.stderr).toBe(0);
    expect(both.flatMap((r) => json(r.stdout).landed).sort()).toEqual([a, b].sort());
    expect(git(repo, "rev-list", "--count", `${base}..main`)).toBe("2");
    expect(await landedEvents(repo, a)).toHaveLength(1);
    expect(await landedEvents(repo, b)).toHaveLength(1);
  });

  it("finishes a landing a kill stopped after the target moved: checkout brought along, recorded once", async () => {
    const repo = await landRepo();
    const id = await doneTask(repo, "a");
    const verified = git(worktreeOf(repo, "a"), "rev-parse", "HEAD");
    const old = git(repo, "rev-parse", "main");
    const scratch = join(tempDir("nexus-scratch-"), "tree");
    git(repo, "worktree", "add", "-q", "--detach", scratch, "main");
    git(scratch, "cherry-pick", verified);
    const next = git(scratch, "rev-parse", "HEAD");
    git(repo, "worktree", "remove", "--force", scratch);
    // As the killed landing left it: journal written, main moved, the checkout's files not yet.
    const { openTasks } = await import("../src/tasks/context.js");
    const { landedEvent } = await import("../src/tasks/land/record.js");
    const tc = await openTasks({ cwd: repo });
    const event = await landedEvent(tc, tc.store.get(id), {
      target: "main",
      commit: next,
      from: verified,
      results: [],
    });
    const journal = { target: "main", old, next, checkout: repo, task: id, event };
    writeFileSync(join(repo, ".git/nexus-land.json"), JSON.stringify(journal));
    git(repo, "update-ref", "refs/heads/main", next, old);
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toContain("a.txt");

    const result = await land(repo, "--json");
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout).plan).toEqual([]);
    expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("a\n");
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("M .nexus/tasks.jsonl");
    expect(git(repo, "rev-parse", "main")).toBe(next);
    expect(await landedEvents(repo, id)).toEqual([expect.objectContaining({ id: event.id, commit: next })]);
    expect(() => readFileSync(join(repo, ".git/nexus-land.json"))).toThrow();
    expect((await land(repo, "--json")).code).toBe(0);
    expect(await landedEvents(repo, id)).toHaveLength(1);

    // A journal whose task was deleted since is finished without a record, not an error forever.
    writeFileSync(join(repo, ".git/nexus-land.json"), JSON.stringify(journal));
    expect((await runCli(["task", "delete", id, "--force"], repo)).code).toBe(0);
    const after = await land(repo, "--json");
    expect(after.code, after.stderr).toBe(0);
    expect(() => readFileSync(join(repo, ".git/nexus-land.json"))).toThrow();
  });
});

describe("untrusted text", () => {
  const HOSTILE = "Fix\u001b]0;pwned\u0007 login\r\nforged\u009b2J\u202eevil";

  it("shows a hostile title and check output as visible text in every land view", async () => {
    const repo = await landRepo();
    const check = `case "$PWD" in *nexus-land*) printf 'boom\\033]0;pwned\\007\\033[2J\\r\\n'; exit 1;; esac; true`;
    const id = await doneTask(repo, "a", { title: HOSTILE, check });
    const dry = await land(repo, "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(String.raw`Fix\x1b]0;pwned\x07 login\r\nforged`);
    const result = await land(repo);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr + result.stdout).toContain(`${id} sent back (checks)`);
    for (const out of [dry.stdout, dry.stderr, result.stdout, result.stderr])
      expect(hasTerminalControl(out)).toBe(false);
    const [event] = (await lastEvent(repo, id)).results;
    expect(event.outputTail).toContain("boom\u001b]0;pwned");
  });
});
