/**
 * `ralph run --land`: scripted agents on the host (`--on-host`, workspaces with template none, the
 * integration workspace worktree-only), so no engine is reached. Each task lands when it is done; one
 * sent back goes round again with the landing's feedback in its prompt.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { git, gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

const json = (text: string) => JSON.parse(text);

/** A project whose tasks check `sh check.sh`, landing in a worktree-only integration workspace. */
async function project(files: Record<string, string> = {}): Promise<string> {
  isolatedHome();
  const repo = gitRepo({ "check.sh": "exit 0\n", "shared.txt": "one\n", ...files });
  expect((await runCli(["init"], repo)).code).toBe(0);
  writeFileSync(join(repo, ".nexus/config.yaml"), "land:\n  template: none\n", { flag: "a" });
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init nexus");
  return repo;
}

async function task(repo: string, title: string): Promise<string> {
  const made = await runCli(["task", "create", title, "--check", "sh check.sh", "--json"], repo);
  expect(made.code, made.stderr).toBe(0);
  return json(made.stdout).id;
}

const ralph = (repo: string, agentCmd: string, ...args: string[]) =>
  runCli(
    ["ralph", "run", "--json", "--land", "--template", "none", "--on-host", "--agent-cmd", agentCmd, ...args],
    repo,
  );

type Run = {
  task: string;
  status: string;
  message: string;
  landed?: { target: string; commit: string; pushed?: true | string };
};

describe("ralph run --land", () => {
  it("lands two tasks worked in parallel, one after the other: main stays linear, and pushed", async () => {
    const repo = await project();
    const origin = tempDir();
    git(origin, "init", "-q", "--bare");
    git(repo, "remote", "add", "origin", origin);
    git(repo, "push", "-q", "origin", "main");
    const ids = [await task(repo, "one"), await task(repo, "two")];
    const agent =
      'echo "$NEXUS_TASK_ID" > "$NEXUS_TASK_ID.txt" && git add -A && git commit -qm "work $NEXUS_TASK_ID"';
    const result = await ralph(repo, agent, "--parallel", "2", "--push", "origin");
    expect(result.code, result.stderr).toBe(0);
    const runs = json(result.stdout) as Run[];
    expect(runs.map((r) => r.task).sort()).toEqual([...ids].sort());
    for (const run of runs) {
      expect(run).toMatchObject({ status: "done", landed: { target: "main", pushed: true } });
      expect(run.message).toContain("landed on main as");
      expect(run.message).toContain("pushed to origin");
    }
    expect(git(repo, "log", "--merges", "--oneline", "main")).toBe("");
    const head = git(repo, "rev-parse", "main");
    expect(runs.map((r) => r.landed!.commit)).toContain(head);
    expect(git(origin, "rev-parse", "main")).toBe(head);
    for (const id of ids) expect(readFileSync(join(repo, `${id}.txt`), "utf8")).toBe(`${id}\n`);
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("");
    for (const id of ids) {
      const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
      expect(shown.history.at(-1)).toMatchObject({ type: "landed", target: "main" });
    }
  });

  it("sends back a task that conflicts with main; the next iteration sees why, rebases, and it lands", async () => {
    const repo = await project();
    const id = await task(repo, "conflicting");
    const seen = join(tempDir(), "prompt-2.md");
    // Iteration 1: the task's change, and meanwhile someone else's conflicting commit on main.
    // Iteration 2: the send-back is in the prompt; rebase onto main, resolve, continue.
    const agent = `
      if [ "$NEXUS_ITERATION" = 1 ]; then
        echo task > shared.txt && git commit -qam "task's change"
        cd "${repo}" && echo main > shared.txt && git commit -qm "someone else's change" shared.txt
        exit 0
      fi
      cp "$NEXUS_PROMPT_FILE" "${seen}"
      git rebase main >/dev/null 2>&1
      printf 'main\\ntask\\n' > shared.txt && git add shared.txt && GIT_EDITOR=true git rebase --continue
    `;
    const result = await ralph(repo, agent, id);
    expect(result.code, result.stderr).toBe(0);
    const [run] = json(result.stdout);
    expect(run).toMatchObject({ status: "done", landed: { target: "main" } });
    expect(run.iterations).toHaveLength(2);
    expect(run.iterations[0]).toMatchObject({ passed: true, sentBack: "conflict: shared.txt" });
    const prompt = readFileSync(seen, "utf8");
    expect(prompt).toContain("Sent back by the landing on main (cause: conflict)");
    expect(prompt).toContain("git rebase main");
    expect(prompt).toMatch(
      /<<<nexus-data-[0-9a-f]{16} landing feedback \(conflict\)\n[\s\S]*Conflicting files: shared\.txt/,
    );
    expect(prompt).toContain("sent back by the landing (conflict: shared.txt)");
    expect(readFileSync(join(repo, "shared.txt"), "utf8")).toBe("main\ntask\n");
    expect(git(repo, "log", "--merges", "--oneline", "main")).toBe("");
    const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(shown).toMatchObject({ status: "done", rejections: 1 });
    expect(shown.history.find((e: { type: string }) => e.type === "rejected")).toMatchObject({
      by: "nexus-land",
      cause: "conflict",
      files: ["shared.txt"],
    });
    expect(shown.history.at(-1)).toMatchObject({ type: "landed", commit: run.landed.commit });
  });

  it("an interrupt while the landing's checks run ends the run interrupted, the target unmoved; `nexus land` lands it later", async () => {
    const mark = join(tempDir(), "landing-started");
    // In the integration workspace, the first run of the check waits (until the interrupt kills it).
    const check = `case "$PWD" in */nexus-land/*) [ -e "${mark}" ] || { touch "${mark}"; sleep 30; } ;; esac\n`;
    const repo = await project({ "check.sh": check });
    const id = await task(repo, "interrupted");
    const before = git(repo, "rev-parse", "main");
    const { openTasks } = await import("../src/tasks/context.js");
    const { runRalph } = await import("../src/ralph/run.js");
    const { agentCommand } = await import("../src/agents/presets.js");
    const tc = await openTasks({ cwd: repo, actor: "ralph-test" });
    const controller = new AbortController();
    let aborted = 0;
    const poll = setInterval(() => {
      if (existsSync(mark) && !aborted) {
        aborted = Date.now();
        controller.abort();
      }
    }, 50);
    const [state] = await runRalph(tc, {
      agent: agentCommand({ command: "echo work > work.txt && git add -A && git commit -qm work" }),
      agentName: "ralph-test",
      maxIterations: 3,
      timeoutSeconds: 60,
      taskIds: [id],
      parallel: 1,
      onHost: true,
      template: "none",
      land: true,
      signal: controller.signal,
    }).finally(() => clearInterval(poll));
    expect(aborted).toBeGreaterThan(0);
    expect(Date.now() - aborted).toBeLessThan(10_000);
    expect(state).toMatchObject({ status: "interrupted" });
    expect(state!.message).toContain(`nexus land ${id}`);
    expect(state!.landed).toBeUndefined();
    expect(git(repo, "rev-parse", "main")).toBe(before);
    expect(tc.store.get(id).status).toBe("done");
    const landed = await runCli(["land", id, "--json"], repo);
    expect(landed.code, landed.stderr).toBe(0);
    expect(json(landed.stdout).landed).toEqual([id]);
    expect(readFileSync(join(repo, "work.txt"), "utf8")).toBe("work\n");
  });

  it("claims a task whose dependency has just landed with a workspace made from the target: its work is there", async () => {
    const repo = await project();
    const first = await task(repo, "first");
    const made = await runCli(
      ["task", "create", "second", "--check", `test -f ${first}.txt`, "--depends", first, "--json"],
      repo,
    );
    expect(made.code, made.stderr).toBe(0);
    const second = json(made.stdout).id;
    const agent =
      'echo "$NEXUS_TASK_ID" > "$NEXUS_TASK_ID.txt" && git add -A && git commit -qm "work $NEXUS_TASK_ID"';
    const result = await ralph(repo, agent);
    expect(result.code, result.stderr).toBe(0);
    const runs = json(result.stdout) as Run[];
    expect(runs.map((r) => [r.task, r.status])).toEqual([
      [first, "done"],
      [second, "done"],
    ]);
    expect(runs.every((r) => r.landed)).toBe(true);
    expect(git(repo, "log", "--format=%s", "main").split("\n").slice(0, 2)).toEqual([
      `work ${second}`,
      `work ${first}`,
    ]);
  });

  it("refuses --push without --land before claiming anything", async () => {
    const repo = await project();
    const id = await task(repo, "t");
    const result = await runCli(["ralph", "run", id, "--push", "origin", "--agent-cmd", "true"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--push needs --land");
    expect(json((await runCli(["task", "show", id, "--json"], repo)).stdout).status).toBe("open");
  });
});
