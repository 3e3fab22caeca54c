import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ralphOnHost, runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { SLIM_TEMPLATE } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();

const repos: string[] = [];
afterEach(async () => {
  for (const repo of repos.splice(0)) {
    const { workspaces } = JSON.parse((await runCli(["workspace", "list", "--json"], repo)).stdout);
    for (const w of workspaces as { name: string }[])
      await runCli(["workspace", "destroy", w.name, "--force"], repo);
  }
}, 120_000);

/** A repository whose one check passes when fixed.txt says "yes"; new workspaces get a dev container. */
async function project(): Promise<string> {
  isolatedHome();
  const repo = gitRepo({
    "fixed.txt": "no\n",
    "check.sh": 'grep -q yes fixed.txt || { echo "expected yes in fixed.txt"; exit 1; }\n',
    ".nexus/templates/slim/compose.yaml": SLIM_TEMPLATE,
  });
  await runCli(["init"], repo);
  const config = join(repo, ".nexus/config.yaml");
  writeFileSync(
    config,
    readFileSync(config, "utf8").replace(/^default_template: .*$/m, "default_template: slim"),
  );
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init");
  repos.push(repo);
  return repo;
}

/** The agent: a shell script, run by /bin/sh -c in the dev container. */
const agent = (script: string): string => script;

async function task(repo: string, title = "Fix it"): Promise<string> {
  return JSON.parse(
    (await runCli(["task", "create", title, "--check", "sh check.sh", "--json"], repo)).stdout,
  ).id;
}

const json = (text: string) => JSON.parse(text);
const run = (repo: string, ...args: string[]) => runCli(["ralph", "run", "--json", ...args], repo);

describe.skipIf(!hasDocker)("the Ralph loop with scripted agents", () => {
  it("ends done after two iterations when the agent fixes it on its second try, with the first failure in its prompt", async () => {
    const repo = await project();
    const id = await task(repo);
    const cmd = agent(`
      if [ "$NEXUS_ITERATION" = 1 ]; then echo "maybe" > fixed.txt; exit 0; fi
      grep -q "expected yes in fixed.txt" "$NEXUS_PROMPT_FILE" && echo yes > fixed.txt
    `);
    const result = await run(repo, id, "--agent-cmd", cmd);
    expect(result.code, result.stderr).toBe(0);
    const [state] = json(result.stdout);
    expect(state).toMatchObject({ task: id, status: "done" });
    expect(state.iterations.map((i: { passed: boolean }) => i.passed)).toEqual([false, true]);
    const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(shown.status).toBe("done");
    expect(shown.history.filter((e: { type: string }) => e.type === "ralph_iteration")).toHaveLength(2);
    expect(readFileSync(join(repo, ".nexus/runs", state.id, "iteration-1.log"), "utf8")).toBe("");
  });

  it("stops at --max-iterations when the agent never fixes it", async () => {
    const repo = await project();
    const id = await task(repo);
    const result = await run(
      repo,
      id,
      "--max-iterations",
      "3",
      "--agent-cmd",
      agent('echo "attempt $NEXUS_ITERATION" >> notes.txt'),
    );
    expect(result.code).toBe(1);
    expect(json(result.stdout)[0]).toMatchObject({ status: "max_iterations" });
    expect(json((await runCli(["task", "show", id, "--json"], repo)).stdout).status).toBe("in_progress");
  });

  it("trips the circuit breaker when the agent changes nothing three times", async () => {
    const repo = await project();
    const id = await task(repo);
    const [state] = json((await run(repo, id, "--agent-cmd", agent("echo thinking"))).stdout);
    expect(state).toMatchObject({ status: "no_progress" });
    expect(state.iterations).toHaveLength(3);
  });

  it("stops on a usage or rate limit instead of burning iterations", async () => {
    const repo = await project();
    const id = await task(repo);
    const [state] = json(
      (await run(repo, id, "--agent-cmd", agent("echo 'Error: rate limit exceeded, retry later'; exit 1")))
        .stdout,
    );
    expect(state).toMatchObject({ status: "rate_limited" });
    expect(state.message).toContain("rate limit");
  });

  it("finishes three tasks at once in separate workspaces with --parallel 3", async () => {
    const repo = await project();
    const ids = [await task(repo, "one"), await task(repo, "two"), await task(repo, "three")];
    const result = await run(repo, "--parallel", "3", "--agent-cmd", agent("echo yes > fixed.txt"));
    expect(result.code, result.stderr).toBe(0);
    const states = json(result.stdout);
    expect(states.map((s: { task: string }) => s.task).sort()).toEqual([...ids].sort());
    expect(new Set(states.map((s: { workspace: string }) => s.workspace)).size).toBe(3);
    expect(states.every((s: { status: string }) => s.status === "done")).toBe(true);
    const status = json((await runCli(["ralph", "status", "--json"], repo)).stdout);
    expect(status).toHaveLength(3);
  });
});

describe.skipIf(!hasDocker)("interrupting the loop", () => {
  it("stops the agent and leaves the task resumable", async () => {
    const repo = await project();
    const id = await task(repo);
    const { openTasks } = await import("../src/tasks/context.js");
    const { runRalph } = await import("../src/ralph/run.js");
    const { agentCommand } = await import("../src/agents/presets.js");
    const tc = await openTasks({ cwd: repo, actor: "ralph-test" });
    const controller = new AbortController();
    const worktrees = join(repo, ".nexus/worktrees");
    const poll = setInterval(() => {
      const started =
        existsSync(worktrees) &&
        readdirSync(worktrees).some((w) => existsSync(join(worktrees, w, basename(repo), "started")));
      if (started) controller.abort();
    }, 100);
    let aborted = 0;
    controller.signal.addEventListener("abort", () => (aborted = Date.now()));
    const [state] = await runRalph(tc, {
      agent: agentCommand({ command: "touch started; sleep 30" }),
      agentName: "ralph-test",
      maxIterations: 5,
      timeoutSeconds: 60,
      taskIds: [id],
      parallel: 1,
      signal: controller.signal,
    }).finally(() => clearInterval(poll));
    expect(aborted).toBeGreaterThan(0);
    expect(Date.now() - aborted).toBeLessThan(10_000);
    expect(state).toMatchObject({ status: "interrupted" });
    const shown = tc.store.get(id);
    expect(shown.status).toBe("in_progress");
    expect(shown.history.at(-1)).toMatchObject({ type: "ralph_interrupted" });
    const resumed = await run(repo, id, "--agent-cmd", agent("echo yes > fixed.txt"));
    expect(json(resumed.stdout)[0]).toMatchObject({ status: "done" });
  });
});

describe.skipIf(!hasDocker)("review in the loop", () => {
  it("sends a --review task to the review agent: a rejection feeds back, an approval finishes it", async () => {
    const repo = await project();
    const id = JSON.parse(
      (await runCli(["task", "create", "Reviewed", "--check", "sh check.sh", "--review", "--json"], repo))
        .stdout,
    ).id;
    const reviewer = agent(
      'if [ -f reviewed ]; then exit 0; fi; touch reviewed; echo "needs a changelog entry"; exit 1',
    );
    const result = await run(
      repo,
      id,
      "--agent-cmd",
      agent("echo yes > fixed.txt; date +%N >> work.txt"),
      "--review-agent-cmd",
      reviewer,
    );
    const [state] = json(result.stdout);
    expect(state).toMatchObject({ status: "done" });
    const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(shown.rejections).toBe(1);
    expect(shown.history.find((e: { type: string }) => e.type === "rejected").note).toContain(
      "needs a changelog entry",
    );
    const noReviewer = await run(
      repo,
      JSON.parse(
        (await runCli(["task", "create", "R2", "--check", "true", "--review", "--json"], repo)).stdout,
      ).id,
      "--agent-cmd",
      agent("true"),
    );
    expect(json(noReviewer.stdout)[0]).toMatchObject({ status: "awaiting_review" });
  });
});

describe.skipIf(!hasDocker)("more stop conditions", () => {
  it("stops on the same failure five times in a row, and on a spent wall-clock budget", async () => {
    const repo = await project();
    const busy = agent("date +%N >> work.txt");
    const same = json(
      (await run(repo, await task(repo), "--max-iterations", "8", "--agent-cmd", busy)).stdout,
    )[0];
    expect(same).toMatchObject({ status: "repeated_failure" });
    expect(same.iterations).toHaveLength(5);
    const budget = json(
      (await run(repo, await task(repo), "--budget", "0.001", "--agent-cmd", `${busy}; sleep 0.2`)).stdout,
    )[0];
    expect(budget).toMatchObject({ status: "budget" });
    expect(budget.iterations).toHaveLength(1);
  });
});

/** The dev container has git (debian:bookworm-slim has none): the agent commits there, as real agents do. */
const GIT_DEV = {
  "compose.yaml": 'services:\n  dev:\n    build: ./dev\n    command: ["sleep", "infinity"]\n    init: true\n',
  "dev/Dockerfile":
    "FROM debian:bookworm-slim\nRUN apt-get update -q && apt-get install -yq --no-install-recommends git >/dev/null && rm -rf /var/lib/apt/lists/*\n",
  ".nexus/config.yaml":
    "version: 1\ndefault_template: compose\ncompose:\n  files: [compose.yaml]\n  dev_service: dev\n",
};

describe.skipIf(!hasDocker)("landing from the loop", () => {
  it("--land: the agent commits in its dev container, and the task lands through the integration workspace's containers", async () => {
    isolatedHome();
    const repo = gitRepo({ "fixed.txt": "no\n", "check.sh": "grep -q yes fixed.txt\n", ...GIT_DEV });
    expect((await runCli(["init"], repo)).code).toBe(0);
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
    repos.push(repo);
    const id = await task(repo);
    const commit = agent("echo yes > fixed.txt && git add fixed.txt && git commit -qm 'fix it'");
    const result = await run(repo, id, "--land", "--agent-cmd", commit);
    expect(result.code, result.stderr).toBe(0);
    const [state] = json(result.stdout);
    expect(state).toMatchObject({ status: "done", landed: { target: "main" } });
    expect(state.iterations).toHaveLength(1);
    expect(git(repo, "rev-parse", "main")).toBe(state.landed.commit);
    expect(readFileSync(join(repo, "fixed.txt"), "utf8")).toBe("yes\n");
    const { workspaces } = json((await runCli(["workspace", "list", "--json"], repo)).stdout);
    expect(workspaces.map((w: { name: string }) => w.name)).toContain("nexus-land");
  });
});

describe("--on-host", () => {
  it("runs the agent in the worktree on the host, with the host's environment (what the flag gives up)", async () => {
    isolatedHome();
    const repo = gitRepo({ "fixed.txt": "no\n", "check.sh": "grep -q yes fixed.txt\n" });
    await runCli(["init"], repo);
    const id = await task(repo);
    process.env.ON_HOST_ONLY = "seen";
    const result = await ralphOnHost(
      repo,
      id,
      'echo "$ON_HOST_ONLY" > seen.txt; echo yes > fixed.txt',
      "--json",
    ).finally(() => delete process.env.ON_HOST_ONLY);
    expect(json(result.stdout)[0]).toMatchObject({ status: "done" });
    expect(
      readFileSync(
        join(repo, ".nexus/worktrees", json(result.stdout)[0].workspace, basename(repo), "seen.txt"),
        "utf8",
      ),
    ).toBe("seen\n");
  });
});
