import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "./helpers/cli.js";
import { containerId, dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { until } from "./helpers/processes.js";
import { SLIM_TEMPLATE } from "./helpers/workspaces.js";

// Issue 22's acceptance tests for `nexus land`, on the real engine: tasks done by scripted agents in
// their own workspaces, landed through the integration workspace's dev container (template slim).

const hasDocker = await dockerAvailable();
const json = (text: string) => JSON.parse(text);
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

interface Event {
  type: string;
  by?: string;
  cause?: string;
  files?: string[];
  note?: string;
  commit?: string;
  results?: { command: string; exitCode: number; outputTail: string }[];
}

/** A project whose new workspaces (the integration one too) get a slim dev container. */
async function project(
  files: Record<string, string>,
  gates: string[] = [],
  freshHome = true,
): Promise<string> {
  if (freshHome) isolatedHome();
  const repo = gitRepo({ ...files, ".nexus/templates/slim/compose.yaml": SLIM_TEMPLATE });
  expect((await runCli(["init"], repo)).code).toBe(0);
  const config = join(repo, ".nexus/config.yaml");
  const text = readFileSync(config, "utf8")
    .replace(/^default_template: .*$/m, "default_template: slim")
    .replace(
      /^gates:\n {2}\[\]$/m,
      `gates:\n${gates.map((g) => `  - ${JSON.stringify(g)}`).join("\n") || "  []"}`,
    );
  writeFileSync(config, text);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init nexus");
  return repo;
}

/** Every workspace of this test's repository (never anyone else's), destroyed. */
async function destroyAll(repo: string): Promise<void> {
  if (!repo) return;
  const { workspaces } = json((await runCli(["workspace", "list", "--json"], repo)).stdout);
  for (const w of workspaces as { name: string }[])
    await runCli(["workspace", "destroy", w.name, "--force"], repo);
}

async function createTask(repo: string, title: string, priority: number, ...extra: string[]) {
  const args = ["task", "create", title, "-p", String(priority), "--json", ...extra];
  const made = await runCli(args, repo);
  expect(made.code, made.stderr).toBe(0);
  return json(made.stdout).id as string;
}

async function show(
  repo: string,
  id: string,
): Promise<{ status: string; workspace: string; history: Event[] }> {
  return json((await runCli(["task", "show", id, "--json"], repo)).stdout);
}

const events = async (repo: string, id: string, type: string) =>
  (await show(repo, id)).history.filter((e) => e.type === type);

function worktreeOf(repo: string, workspace: string): string {
  const blocks = git(repo, "worktree", "list", "--porcelain").split("\n\n");
  const block = blocks.find((b) => b.includes(`branch refs/heads/nexus/${workspace}`));
  return block!.split("\n")[0]!.replace(/^worktree /, "");
}

/** `ralph run --parallel N` with a scripted agent on the host: it edits by task id and commits. */
async function ralphAll(repo: string, parallel: number, script: Record<string, string>, ids: string[] = []) {
  const cases = Object.entries(script)
    .map(([id, cmd]) => `  ${id}) ${cmd} ;;`)
    .join("\n");
  const agent = `case "$NEXUS_TASK_ID" in\n${cases}\nesac\ngit add -A && git commit -qm "work of $NEXUS_TASK_ID" || true`;
  const args = [
    "ralph",
    "run",
    "--json",
    "--on-host",
    "--parallel",
    String(parallel),
    "--max-iterations",
    "2",
  ];
  const result = await runCli([...args, "--agent-cmd", agent, ...ids], repo);
  expect(result.code, result.stderr).toBe(0);
  const states = json(result.stdout) as { task: string; status: string }[];
  expect(states.map((s) => s.status)).toEqual(states.map(() => "done"));
  return states;
}

/** The checkout of main shows no change but Nexus's own files. */
function checkoutClean(repo: string): string {
  return git(repo, "status", "--porcelain", "--untracked-files=no")
    .split("\n")
    .filter((l) => l && !/\.nexus\/(tasks\.jsonl|allowed_signers)$/.test(l))
    .join("\n");
}

async function land(repo: string, ...ids: string[]) {
  const result = await runCli(["land", "--json", ...ids], repo);
  expect(result.code, result.stderr).toBe(0);
  return json(result.stdout) as { landed: string[]; sentBack: string[]; outcomes: { id: string }[] };
}

const NOTES = `${Array.from({ length: 9 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
const SHOW_CHECK = 'echo "ran in $(cat /etc/hostname)"; cat notes.txt; test "$(wc -l < notes.txt)" -eq 9\n';

describe.skipIf(!hasDocker)("nexus land: compatible, conflicting, then resolved", () => {
  let repo = "";
  afterEach(() => destroyAll(repo), 300_000);

  it("lands two compatible tasks re-checked together, sends the conflict back, lands it once resolved", async () => {
    repo = await project({ "notes.txt": NOTES, "check.sh": SHOW_CHECK });
    const check = ["--check", "sh check.sh"];
    const a = await createTask(repo, "first line", 1, ...check);
    const b = await createTask(repo, "last line", 2, ...check);
    const c = await createTask(repo, "first line too", 3, ...check);
    const start = git(repo, "rev-parse", "main");
    await ralphAll(repo, 3, {
      [a]: "sed -i '1s/.*/alpha by A/' notes.txt",
      [b]: "sed -i '9s/.*/omega by B/' notes.txt",
      [c]: "sed -i '1s/.*/alpha by C/' notes.txt",
    });

    const first = await land(repo);
    expect(first.landed).toEqual([a, b]);
    expect(first.sentBack).toEqual([c]);
    const host = (await containerId("nexus-land", "dev", repo)).slice(0, 12);
    const [landedB] = await events(repo, b, "landed");
    expect(landedB!.commit).toBe(git(repo, "rev-parse", "main"));
    expect(landedB!.results!.map((r) => [r.command, r.exitCode])).toEqual([["sh check.sh", 0]]);
    // B's check ran on the combination (A's line and B's), in the integration workspace's container.
    const out = landedB!.results![0]!.outputTail;
    expect(out).toContain(`ran in ${host}`);
    expect(out).toContain("alpha by A");
    expect(out).toContain("omega by B");
    expect((await events(repo, a, "landed"))[0]!.results![0]!.outputTail).toContain(`ran in ${host}`);

    const c1 = await show(repo, c);
    expect(c1.status).toBe("rejected");
    const back = c1.history.at(-1)!;
    expect(back).toMatchObject({
      type: "rejected",
      by: "nexus-land",
      cause: "conflict",
      files: ["notes.txt"],
    });
    expect(back.note).toContain("alpha by A");
    expect(back.note).toContain("alpha by C");
    expect(back.note).toMatch(/^\+*<{7} /m);

    // Its agent resolves it: rebases onto main, keeps both first lines, and its gates pass again.
    const resolve = `git rebase main || { sed -i -e '/^[<=>]\\{7\\}/d' -e '/^alpha by C$/d' -e 's/^alpha by A$/alpha by A and C/' notes.txt; git add notes.txt; git -c core.editor=true rebase --continue; }`;
    await ralphAll(repo, 1, { [c]: resolve }, [c]);
    const rejections = (await show(repo, c)).history.filter((e) => e.type === "rejected");
    expect(rejections).toHaveLength(1);

    expect((await land(repo)).landed).toEqual([c]);
    expect(git(repo, "log", "--merges", "--oneline", `${start}..main`)).toBe("");
    expect(git(repo, "rev-list", "--count", `${start}..main`)).toBe("3");
    expect(checkoutClean(repo)).toBe("");
    const notes = readFileSync(join(repo, "notes.txt"), "utf8");
    expect(notes).toContain("alpha by A and C");
    expect(notes).toContain("omega by B");
    for (const id of [a, b, c]) expect(await events(repo, id, "landed")).toHaveLength(1);
  }, 600_000);
});

describe.skipIf(!hasDocker)("nexus land beside another repository's integration workspace", () => {
  const repos: string[] = [];
  afterEach(async () => {
    for (const r of repos.splice(0)) await destroyAll(r);
  }, 300_000);

  it("lands in its own nexus-land and leaves the other repository's alone", async () => {
    // One user, two repositories, feature workspaces named alike, each with its own integration workspace.
    const other = await project({ "check.sh": "exit 0\n" });
    const mine = await project({ "check.sh": "exit 0\n" }, [], false);
    repos.push(other, mine);
    const theirs = await doneTask(other, "feature");
    expect((await land(other)).landed).toEqual([theirs]);
    const theirContainer = await containerId("nexus-land", "dev", other);
    const theirMain = git(other, "rev-parse", "main");

    const id = await doneTask(mine, "feature");
    expect((await land(mine)).landed).toEqual([id]);
    expect(await containerId("nexus-land", "dev", mine)).not.toBe(theirContainer);
    await destroyAll(mine);
    repos.splice(repos.indexOf(mine), 1);
    // The other repository's integration workspace, target and workspaces are as they were.
    const running = execFileSync("docker", ["inspect", "-f", "{{.State.Running}}", theirContainer], {
      encoding: "utf8",
    });
    expect(running.trim()).toBe("true");
    expect(git(other, "rev-parse", "main")).toBe(theirMain);
    const listed = json((await runCli(["workspace", "list", "--json"], other)).stdout);
    expect((listed.workspaces as { name: string }[]).map((w) => w.name).sort()).toEqual([
      "feature",
      "nexus-land",
    ]);
  }, 600_000);
});

const LIB = 'greet() { echo "hello $1"; }\n';
const GATE =
  '. ./lib.sh\nfor f in bin/*.sh; do . "./$f" || { echo "FAILED: $f"; exit 1; }; done\necho gate ok\n';

describe.skipIf(!hasDocker)("nexus land: two tasks green alone, red together", () => {
  let repo = "";
  afterEach(() => destroyAll(repo), 300_000);

  it("sends the second back with the failing output and leaves main green", async () => {
    repo = await project({ "lib.sh": LIB, "bin/app.sh": "greet app\n", "gate.sh": GATE }, ["sh gate.sh"]);
    const rename = await createTask(repo, "rename greet to salute", 1);
    const call = await createTask(repo, "greet from extra", 2);
    await ralphAll(repo, 2, {
      [rename]: "sed -i 's/greet/salute/g' lib.sh bin/app.sh",
      [call]: "echo 'greet extra' > bin/extra.sh",
    });

    const result = await land(repo);
    expect(result.landed).toEqual([rename]);
    expect(result.sentBack).toEqual([call]);
    const sent = await show(repo, call);
    expect(sent.status).toBe("rejected");
    const back = sent.history.at(-1)!;
    expect(back).toMatchObject({ type: "rejected", by: "nexus-land", cause: "checks" });
    expect(back.results!.map((r) => r.command)).toEqual(["sh gate.sh"]);
    expect(back.results![0]!.exitCode).not.toBe(0);
    expect(back.results![0]!.outputTail).toContain("FAILED: bin/extra.sh");
    expect(back.note).toContain("greet");

    expect(git(repo, "rev-parse", "main")).toBe((await events(repo, rename, "landed"))[0]!.commit);
    expect(existsSync(join(repo, "bin/extra.sh"))).toBe(false);
    expect(checkoutClean(repo)).toBe("");
    expect(git(repo, "show", "main:lib.sh")).toContain("salute");
    // main's checkout passes its gate.
    expect(execFileSync("sh", ["gate.sh"], { cwd: repo, encoding: "utf8" })).toContain("gate ok");
  }, 600_000);
});

/** A task made done the CLI way, in a worktree-only workspace: its own file, committed, checks passed. */
async function doneTask(repo: string, name: string): Promise<string> {
  expect((await runCli(["workspace", "create", name, "-t", "none"], repo)).code).toBe(0);
  const id = await createTask(repo, `add ${name}`, 2, "-w", name, "--check", "sh check.sh");
  expect((await runCli(["task", "start", id], repo)).code).toBe(0);
  const tree = worktreeOf(repo, name);
  writeFileSync(join(tree, `${name}.txt`), `${name}\n`);
  git(tree, "add", `${name}.txt`);
  git(tree, "commit", "-qm", `work of ${id}`);
  const done = await runCli(["task", "complete", id, "--json"], repo);
  expect(done.code, done.stderr).toBe(0);
  return id;
}

/** `nexus land` as its own process, to be signalled. */
function spawnLand(repo: string, path = process.env.PATH) {
  const child = spawn(process.execPath, [CLI, "land", "--json"], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: "1", PATH: path },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, as a command typed in a terminal is: Ctrl-C signals the whole group.
    detached: true,
  });
  let output = "";
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  const seen = () => {
    for (const w of waiting.filter((w) => w.pattern.test(output))) w.resolve();
  };
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => {
    output += d;
    seen();
  });
  const closed = new Promise<string>((resolve) =>
    child.on("close", (code, signal) => {
      for (const w of waiting) w.resolve();
      resolve(`${code ?? signal}\n${output}`);
    }),
  );
  /** Resolves when the landing's progress matches `pattern` (or it ended). */
  const reached = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      waiting.push({ pattern, resolve });
      seen();
    });
  return { child, closed, reached };
}

/** When to signal a landing: a share of a timed landing's length, or a few ms after one of its steps. */
type Moment = { share: number } | { step: RegExp; ms: number } | { hold: true };

/**
 * A `git` first on the landing's PATH that is the real one, except that while .git/landtest-hold
 * exists it holds the checkout's `read-tree -m -u` (after main's move, before its files and record):
 * a signal sent then lands in the window the journal is for. (Nexus runs no hooks, so a hook cannot.)
 * Held, it runs nothing when the landing that called it was killed meanwhile.
 */
function holdingGit(repo: string) {
  const dir = join(repo, ".git");
  const bin = join(dir, "landtest-bin");
  mkdirSync(bin, { recursive: true });
  const real = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  const [hold, held] = [join(dir, "landtest-hold"), join(dir, "landtest-held")];
  const script = `#!/bin/sh
case " $* " in
  *" read-tree -m -u -n "*) ;;
  *" read-tree -m -u "*)
    if [ -f ${hold} ]; then
      touch ${held}; while [ -f ${hold} ]; do sleep 0.05; done; rm -f ${held}
      kill -0 $PPID 2>/dev/null || exit 1
    fi ;;
esac
exec ${real} "$@"
`;
  writeFileSync(join(bin, "git"), script, { mode: 0o755 });
  return {
    path: `${bin}:${process.env.PATH}`,
    hold: () => writeFileSync(hold, ""),
    held: () => existsSync(held),
    release: () => rmSync(hold, { force: true }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const JOURNAL = ".git/nexus-land.json";

/** The commits main gained since `old`, oldest first, as "sha subject". */
const gained = (repo: string, old: string) =>
  git(repo, "log", "--reverse", "--format=%H %s", `${old}..main`).split("\n").filter(Boolean);

describe.skipIf(!hasDocker)("nexus land interrupted at random moments", () => {
  let repo = "";
  const suffix = Math.random().toString(36).slice(2, 7);
  afterEach(() => destroyAll(repo), 300_000);

  /** After the kill: main moved forward by whole landings only, its checkout along with it, nothing sent back. */
  async function afterKill(old: string, ids: string[], how: string): Promise<void> {
    expect(git(repo, "log", "--merges", "--oneline", `${old}..main`), how).toBe("");
    git(repo, "merge-base", "--is-ancestor", old, "main");
    const journal = existsSync(join(repo, JOURNAL));
    // Only a kill (or Ctrl-C, which stops the git moving the checkout too) leaves a move to finish.
    const abrupt = !how.startsWith("SIGTERM");
    if (!abrupt) expect(journal, how).toBe(false);
    const commits = gained(repo, old);
    expect(commits.length, how).toBeLessThanOrEqual(ids.length);
    for (const [i, line] of commits.entries()) {
      const [sha, , , id] = line.split(" ");
      expect(ids, how).toContain(id);
      expect(
        commits.filter((l) => l.endsWith(` ${id}`)),
        how,
      ).toHaveLength(1);
      const landed = await events(repo, id!, "landed");
      // Recorded, unless a SIGKILL came between the move and the record (the journal finishes it).
      const last = i === commits.length - 1 && journal;
      expect(
        landed.map((e) => e.commit),
        how,
      ).toEqual(last && !landed.length ? [] : [sha]);
    }
    if (!journal) expect(checkoutClean(repo), how).toBe("");
    for (const id of ids) expect((await show(repo, id)).status, how).toBe("done");
  }

  async function afterRerun(old: string, ids: string[], how: string): Promise<void> {
    const again = await spawnCli(["land", "--json"], repo);
    expect(again.code, `${how}\n${again.stderr}`).toBe(0);
    const commits = gained(repo, old);
    expect(commits.map((l) => l.split(" ").at(-1)).sort(), how).toEqual([...ids].sort());
    for (const line of commits) {
      const [sha, , , id] = line.split(" ");
      expect(
        (await events(repo, id!, "landed")).map((e) => e.commit),
        how,
      ).toEqual([sha]);
    }
    expect(checkoutClean(repo), how).toBe("");
    expect(existsSync(join(repo, JOURNAL)), how).toBe(false);
    expect(git(repo, "log", "--merges", "--oneline", "main"), how).toBe("");
  }

  it("leaves main unchanged or fully landed each time, and the next land finishes the job", async () => {
    repo = await project({ "check.sh": "sleep 0.5; test -f check.sh\n" });
    // The first landing makes the integration workspace: killed while it does, the next makes it whole.
    const first = [await doneTask(repo, `warm-${suffix}`)];
    const start = git(repo, "rev-parse", "main");
    const cold = spawnLand(repo);
    const coldHow = `SIGKILL while nexus-land is made`;
    await sleep(300 + Math.random() * 700);
    cold.child.kill("SIGKILL");
    await afterKill(start, first, `${coldHow}\n${await cold.closed}`);
    await afterRerun(start, first, coldHow);
    // The second is timed: the moments below are shares of it.
    const timed = [await doneTask(repo, `t1-${suffix}`), await doneTask(repo, `t2-${suffix}`)];
    const started = Date.now();
    const warm = await spawnCli(["land", "--json"], repo);
    const duration = Date.now() - started;
    expect(warm.code, warm.stderr).toBe(0);
    expect(json(warm.stdout).landed).toEqual(timed.sort());

    // Spread over the landing, and close around the moves (the target, its checkout, the record).
    const move = /\bmove\b/;
    const secondRebase = /rebase[\s\S]*\brebase\b/;
    const jitter = () => Math.round(Math.random() * 40);
    const plan: [Moment, NodeJS.Signals][] = [
      [{ share: 0.15 }, "SIGTERM"],
      [{ share: 0.4 }, "SIGTERM"],
      [{ share: 0.65 }, "SIGKILL"],
      [{ share: 0.9 }, "SIGTERM"],
      [{ share: 1.1 }, "SIGTERM"],
      [{ step: secondRebase, ms: jitter() }, "SIGTERM"],
      [{ step: move, ms: 0 }, "SIGKILL"],
      [{ step: move, ms: jitter() }, "SIGKILL"],
      [{ step: move, ms: jitter() }, "SIGTERM"],
      [{ step: move, ms: jitter() }, "SIGKILL"],
      [{ hold: true }, "SIGKILL"],
      [{ hold: true }, "SIGTERM"],
      // Ctrl-C: SIGINT to the landing and every git and docker it runs at that moment.
      [{ share: 0.5 }, "SIGINT"],
      [{ step: /checks/, ms: 100 }, "SIGINT"],
      [{ step: move, ms: jitter() }, "SIGINT"],
      [{ hold: true }, "SIGINT"],
    ];
    const hook = holdingGit(repo);
    for (const [n, [moment, signal]] of plan.entries()) {
      const names = [`r${n}a-${suffix}`, `r${n}b-${suffix}`];
      const ids = [await doneTask(repo, names[0]!), await doneTask(repo, names[1]!)];
      const old = git(repo, "rev-parse", "main");
      if ("hold" in moment) hook.hold();
      const landing = spawnLand(repo, hook.path);
      let how: string;
      if ("share" in moment) {
        const delay = Math.round(duration * (moment.share + (Math.random() - 0.5) * 0.1));
        how = `${signal} after ${delay} ms of a ${duration} ms landing`;
        await sleep(delay);
      } else if ("step" in moment) {
        how = `${signal} ${moment.ms} ms after ${moment.step}`;
        await landing.reached(moment.step);
        await sleep(moment.ms);
      } else {
        how = `${signal} between main's move and its checkout`;
        expect(await until(hook.held, 120_000), how).toBe(true);
      }
      if (signal === "SIGINT") process.kill(-landing.child.pid!, signal);
      else landing.child.kill(signal);
      // A landing told to stop finishes its move first: the held git goes on. A killed one's does not.
      if (signal !== "SIGKILL") hook.release();
      const exit = await landing.closed;
      hook.release();
      await until(() => !hook.held(), 30_000);
      // Whatever it stopped says so (a git stopped by Ctrl-C is not a missing git).
      expect(exit, how).not.toContain("not installed");
      await afterKill(old, ids, `${how}\n${exit}`);
      if ("hold" in moment && signal === "SIGKILL") {
        // Killed between the move and the rest: main moved, its checkout and the record wait for the journal.
        expect(existsSync(join(repo, JOURNAL)), how).toBe(true);
        expect(gained(repo, old), how).toHaveLength(1);
        expect(checkoutClean(repo), how).not.toBe("");
        // As if read-tree had been killed too, after writing the files and before the index.
        for (const file of git(repo, "diff", "--name-only", old, "main").split("\n"))
          writeFileSync(join(repo, file), `${git(repo, "show", `main:${file}`)}\n`);
      }
      await afterRerun(old, ids, how);
      for (const name of names) expect(existsSync(join(repo, `${name}.txt`)), how).toBe(true);
    }
  }, 900_000);
});
