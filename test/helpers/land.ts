import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { runCli } from "./cli.js";
import { git, gitRepo } from "./fs.js";

// Repositories and done tasks for `nexus land` tests without containers (land.template: none).

const json = (text: string) => JSON.parse(text);

/** A repository initialised for Nexus, landing in a worktree-only integration workspace, all committed. */
export async function landRepo(config = ""): Promise<string> {
  const repo = gitRepo({ "ok.sh": "exit 0\n" });
  expect((await runCli(["init"], repo)).code).toBe(0);
  writeFileSync(join(repo, ".nexus/config.yaml"), `land:\n  template: none\n${config}`, { flag: "a" });
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "init nexus");
  return repo;
}

export function worktreeOf(repo: string, name: string): string {
  const blocks = git(repo, "worktree", "list", "--porcelain").split("\n\n");
  const block = blocks.find((b) => b.includes(`branch refs/heads/nexus/${name}`));
  return block!.split("\n")[0]!.replace(/^worktree /, "");
}

export interface Work {
  /** Files the task's branch commits. */
  files?: Record<string, string>;
  /** Files left uncommitted in its worktree when it completes. */
  uncommitted?: Record<string, string>;
  title?: string;
  check?: string;
  priority?: number;
  /** The branch its workspace starts from, and the task it depends on. */
  from?: string;
  depends?: string;
}

/** A task made done the real way: its workspace, its commit, `task complete` with its check passing. */
export async function doneTask(repo: string, name: string, work: Work = {}): Promise<string> {
  const from = work.from ? ["--from", work.from] : [];
  expect((await runCli(["workspace", "create", name, "-t", "none", ...from], repo)).code).toBe(0);
  const check = work.check ?? "test -f ok.sh";
  const args = ["task", "create", work.title ?? `task ${name}`, "-w", name, "--check", check, "--json"];
  if (work.depends) args.push("--depends", work.depends);
  if (work.priority !== undefined) args.push("-p", String(work.priority));
  const id = json((await runCli(args, repo)).stdout).id as string;
  expect((await runCli(["task", "start", id], repo)).code).toBe(0);
  const tree = worktreeOf(repo, name);
  for (const [file, text] of Object.entries(work.files ?? { [`${name}.txt`]: `${name}\n` })) {
    mkdirSync(dirname(join(tree, file)), { recursive: true });
    writeFileSync(join(tree, file), text);
  }
  git(tree, "add", "-A");
  if (git(tree, "status", "--porcelain")) git(tree, "commit", "-qm", `work of ${name}`);
  for (const [file, text] of Object.entries(work.uncommitted ?? {})) writeFileSync(join(tree, file), text);
  const done = await runCli(["task", "complete", id, "--json"], repo);
  expect(done.code, done.stderr).toBe(0);
  if (json(done.stdout).task.status === "awaiting_review") {
    // A change to what checks depend on awaits a review: a careless reviewer approves it.
    const approved = await runCli(["task", "approve", id, "--by", "careless-reviewer"], repo);
    expect(approved.code, approved.stderr).toBe(0);
  }
  // The first signed run adds the user's key, the first task the task file: committed, as users do.
  if (git(repo, "status", "--porcelain", "--", ".nexus").includes("??")) {
    git(repo, "add", ".nexus/allowed_signers", ".nexus/tasks.jsonl");
    git(repo, "commit", "-qm", "nexus files");
  }
  return id;
}
