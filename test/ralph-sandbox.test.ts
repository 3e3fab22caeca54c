import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { containerId, dockerAvailable, execCapture } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { SLIM_TEMPLATE } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();

/** What a hostile agent tries; it writes what it found to report.txt in its worktree, then fixes the task. */
function probeScript(hostHome: string, otherWorktree: string): string {
  return `{
  echo "uid=$(id -u) pwd=$(pwd)"
  cat "${hostHome}/.ssh/id_test" 2>/dev/null && echo READ-HOST-SSH
  ls "${hostHome}/.ssh" 2>/dev/null && echo LISTED-HOST-SSH
  cat "${otherWorktree}/secret.txt" 2>/dev/null && echo READ-OTHER-WORKTREE
  for f in /var/run/docker.sock /run/docker.sock; do test -e "$f" && echo "DOCKER-SOCKET $f"; done
  grep -q docker.sock /proc/mounts && echo DOCKER-SOCKET-MOUNTED
  command -v docker >/dev/null && docker ps && echo DOCKER-PS
  echo "secret=\${HOST_ONLY_SECRET:-absent}"
  echo "allowed=\${SANDBOX_ALLOWED:-absent}"
  echo "token=$(cat "$HOME/.config/agent/token" 2>/dev/null || echo absent)"
  echo "filevars=$(env | grep -c NEXUS_AGENT_FILE) mode=$(stat -c %a "$HOME/.config/agent/token")"
  echo "task=$NEXUS_TASK_ID iteration=$NEXUS_ITERATION"
  test -r "$NEXUS_PROMPT_FILE" && echo "prompt-readable $NEXUS_PROMPT_FILE"
} > report.txt 2>&1
echo "writes the token" > "$HOME/.config/agent/token"
echo yes > fixed.txt
`;
}

/** The command lines of the processes in a workspace's dev container (found by repository and name). */
async function containerProcesses(repo: string, workspace: string): Promise<string> {
  const list = 'for p in /proc/[0-9]*; do tr "\\0" " " < "$p/cmdline" 2>/dev/null; echo; done';
  return (await execCapture(workspace, "dev", ["/bin/sh", "-c", list], repo)).stdout;
}

function hostProcesses(): string {
  return execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
}

/** Waits until `check` holds, or fails with what it last saw. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(await check()).toBe(true);
}

/** A sleep whose command line no other process on the machine has. */
const marker = () => `sleep ${3000 + Math.floor(Math.random() * 6_000_000)}`;

const json = (text: string) => JSON.parse(text);
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

describe.skipIf(!hasDocker)("the agent runs sandboxed in its workspace's dev container", () => {
  let repo = "";
  let home = "";
  const saved = { ...process.env };

  beforeAll(async () => {
    home = isolatedHome();
    mkdirSync(join(home, ".ssh"), { recursive: true });
    writeFileSync(join(home, ".ssh", "id_test"), "PRIVATE-KEY-MARKER\n");
    mkdirSync(join(home, ".config", "agent"), { recursive: true });
    writeFileSync(join(home, ".config", "agent", "token"), "TOKEN-FROM-HOST\n");
    process.env.HOST_ONLY_SECRET = "leaked";
    process.env.SANDBOX_ALLOWED = "given";
    repo = gitRepo({
      "fixed.txt": "no\n",
      "check.sh": 'grep -q yes fixed.txt || { echo "expected yes"; exit 1; }\n',
      ".nexus/templates/slim/compose.yaml": SLIM_TEMPLATE,
    });
    await runCli(["init"], repo);
    const config = join(repo, ".nexus/config.yaml");
    const text = readFileSync(config, "utf8").replace(/^default_template: .*$/m, "default_template: slim");
    writeFileSync(
      config,
      `${text}agent:\n  env: [SANDBOX_ALLOWED]\n  files: ["~/.config/agent/token", "~/.config/agent/absent"]\n`,
    );
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
    const other = await runCli(["workspace", "create", "other", "--json"], repo);
    expect(other.code, other.stderr).toBe(0);
    writeFileSync(
      join(repo, ".nexus/worktrees/other", basename(repo), "secret.txt"),
      "OTHER-WORKTREE-SECRET\n",
    );
    expect((await runCli(["workspace", "create", "box"], repo)).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    for (const key of ["HOST_ONLY_SECRET", "SANDBOX_ALLOWED"]) delete process.env[key];
    Object.assign(process.env, { HOME: saved.HOME, NEXUS_HOME: saved.NEXUS_HOME });
    if (!repo) return;
    for (const name of ["other", "box"]) await runCli(["workspace", "destroy", name, "--force"], repo);
  }, 120_000);

  const task = async (title: string) =>
    json(
      (
        await runCli(
          ["task", "create", title, "--check", "sh check.sh", "--workspace", "box", "--json"],
          repo,
        )
      ).stdout,
    ).id as string;

  it("cannot read the host's ~/.ssh, another worktree, the Docker socket or an unlisted variable; gets what is allowlisted", async () => {
    const worktree = join(repo, ".nexus/worktrees/box", basename(repo));
    writeFileSync(
      join(worktree, "probe.sh"),
      probeScript(home, join(repo, ".nexus/worktrees/other", basename(repo))),
    );
    const id = await task("probe");
    const result = await runCli(["ralph", "run", id, "--json", "--agent-cmd", "sh probe.sh"], repo);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result.stdout)[0]).toMatchObject({ status: "done" });
    const report = readFileSync(join(worktree, "report.txt"), "utf8");
    expect(report).toContain("pwd=/workspace");
    for (const leak of ["PRIVATE-KEY-MARKER", "READ-HOST-SSH", "LISTED-HOST-SSH", "OTHER-WORKTREE", "DOCKER"])
      expect(report).not.toContain(leak);
    expect(report).toContain("secret=absent");
    expect(report).toContain("allowed=given");
    expect(report).toContain("token=TOKEN-FROM-HOST");
    expect(report).toContain("filevars=0 mode=600");
    expect(report).toContain(`task=${id} iteration=1`);
    expect(report).toContain("prompt-readable /workspace/.nexus/runs/agent/prompt.md");
    // The copy was the agent's to change; the host's original is untouched.
    expect(readFileSync(join(home, ".config/agent/token"), "utf8")).toBe("TOKEN-FROM-HOST\n");
  }, 120_000);

  it("kills a hanging agent at its timeout, leaving no process in the container or on the host", async () => {
    const sleep = marker();
    const id = await task("hangs");
    const started = Date.now();
    const result = await runCli(
      [
        "ralph",
        "run",
        id,
        "--json",
        "--timeout",
        "2",
        "--max-iterations",
        "1",
        "--agent-cmd",
        `${sleep} & ${sleep}`,
      ],
      repo,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(json(result.stdout)[0].iterations[0].agentExitCode).toBe(null);
    expect(await containerProcesses(repo, "box")).not.toContain(sleep);
    expect(hostProcesses()).not.toContain(sleep);
  }, 60_000);

  it("leaves nothing running when nexus is SIGKILLed during an agent run or a workspace exec", async () => {
    const sleep = marker();
    const id = await task("killed");
    const env = { ...process.env, NO_COLOR: "1" };
    for (const args of [
      ["ralph", "run", id, "--agent-cmd", `${sleep} & ${sleep}`],
      ["workspace", "exec", "box", "--", "sh", "-c", `${sleep} & ${sleep}`],
    ]) {
      const nexus = spawn(process.execPath, [CLI, ...args], { cwd: repo, env, stdio: "ignore" });
      await eventually(async () => (await containerProcesses(repo, "box")).includes(sleep), 60_000);
      nexus.kill("SIGKILL");
      await eventually(async () => !(await containerProcesses(repo, "box")).includes(sleep), 8000);
      expect(hostProcesses()).not.toContain(sleep);
    }
  }, 150_000);

  it("ends a captured command at its timeout (the gate runner's path), leaving nothing behind", async () => {
    const sleep = marker();
    const { openProject } = await import("../src/workspace/context.js");
    const { captureInWorkspace } = await import("../src/workspace/access.js");
    const started = Date.now();
    const result = await captureInWorkspace(
      await openProject(repo),
      "box",
      `echo before; ${sleep} & ${sleep}`,
      {
        timeoutMs: 1500,
      },
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.timedOut).toBe(true);
    expect(result.output).toMatch(/^before\n/);
    expect(await containerProcesses(repo, "box")).not.toContain(sleep);
    expect(hostProcesses()).not.toContain(sleep);
  }, 30_000);

  it("refuses an agent missing from the container with how to install it, and releases the claim", async () => {
    const id = await task("no codex");
    const result = await runCli(["ralph", "run", id, "--agent", "codex"], repo);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('was not found in the dev container of workspace "box"');
    expect(result.stderr).toContain("npm install -g @openai/codex");
    const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(shown.history.at(-1)).toMatchObject({ type: "ralph_refused" });
    expect(await containerId("box", "dev", repo)).toBeTruthy();
  }, 60_000);
});

describe("a task whose workspace has no dev container", () => {
  it("is refused before anything is claimed or created, unless --on-host", async () => {
    isolatedHome();
    const repo = gitRepo({ "check.sh": "true\n" });
    await runCli(["init"], repo);
    const id = json(
      (await runCli(["task", "create", "t", "--check", "sh check.sh", "--json"], repo)).stdout,
    ).id;
    for (const args of [[id], []]) {
      const result = await runCli(
        ["ralph", "run", ...args, "--template", "none", "--agent-cmd", "true"],
        repo,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("no dev container for the agent to run in");
      expect(result.stderr).toContain("--on-host");
    }
    const shown = json((await runCli(["task", "show", id, "--json"], repo)).stdout);
    expect(shown.status).toBe("open");
    expect(shown.workspace ?? null).toBe(null);
    expect(json((await runCli(["workspace", "list", "--json"], repo)).stdout).workspaces).toHaveLength(0);
    const onHost = await runCli(
      ["ralph", "run", id, "--template", "none", "--on-host", "--json", "--agent-cmd", "true"],
      repo,
    );
    expect(json(onHost.stdout)[0]).toMatchObject({ status: "done" });
  });
});
