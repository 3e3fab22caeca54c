import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git, gitRepo } from "../../test/helpers/fs.js";
import { localTree } from "../workspace/tree-access.js";
import { DEFAULT_CHECK_FILES, touchedCheckFiles } from "./check-files.js";
import { evidencePayload } from "./evidence.js";
import { taskProject } from "./fixtures.test-helper.js";
import { unverifiedReason } from "./integrity.js";
import { createTask } from "./lifecycle.js";
import { shortCommit, type Task } from "./model.js";
import { startTask, updateTask } from "./operations.js";
import { approveSigned } from "./review.js";
import { unarmor } from "./signatures.js";
import { completeTask, verifyTask } from "./verify.js";

function lines(file: string): Task[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Rewrites tasks.jsonl as a hostile hand would: whole tasks, no lock, no events of Nexus's. */
function forge(file: string, change: (task: Task) => Task): void {
  writeFileSync(
    file,
    `${lines(file)
      .map((t) => JSON.stringify(change(t)))
      .join("\n")}\n`,
  );
}

async function doneTask(checks = ["true"]) {
  const p = await taskProject();
  const tc = p.open();
  const task = createTask(tc, { title: "t", checks });
  startTask(tc, task.id);
  const done = (await completeTask(tc, { id: task.id })).task;
  return { p, tc, done };
}

describe("signed evidence", () => {
  it("signs the run that makes a task done, with what ran, and lists the key", async () => {
    const { p, done } = await doneTask(["true", "echo ok"]);
    const proof = done.history.at(-1)!;
    expect(proof).toMatchObject({ type: "gates_passed", to: "done", checks: ["true", "echo ok"] });
    expect(proof.signature).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(readFileSync(join(p.paths.nexusDir, "allowed_signers"), "utf8")).toContain(
      'namespaces="nexus-evidence" ssh-ed25519',
    );
    expect(p.open().store.isUnverified(p.open().store.get(done.id))).toBe(false);
  });

  it("counts the first signed run at once in the same process (a dependent becomes ready)", async () => {
    const p = await taskProject();
    const tc = p.open();
    const first = createTask(tc, { title: "first", checks: ["true"] });
    const after = createTask(tc, { title: "after", checks: ["true"], dependsOn: [first.id] });
    startTask(tc, first.id);
    expect((await completeTask(tc, { id: first.id })).signerAdded).toBe(true);
    expect(tc.store.isUnverified(tc.store.get(first.id))).toBe(false);
    expect(startTask(tc, after.id).status).toBe("in_progress");
  });

  it("does not count a hand-written passing record, unsigned or signed by an unknown key", async () => {
    const { p, tc, done } = await doneTask();
    const other = createTask(tc, { title: "forged", checks: ["false"] });
    const proof = done.history.at(-1)!;
    const fake = {
      ...proof,
      id: "forged1",
      checks: ["false"],
      results: [{ command: "false", exitCode: 0, durationMs: 1, outputTail: "" }],
    };
    forge(p.open().store.file, (t) =>
      t.id === other.id
        ? { ...t, status: "done", history: [...t.history, { ...fake, signature: undefined }] }
        : t,
    );
    expect(unverifiedReason(p.open().store.get(other.id), p.open().store.trust)).toMatch(/not signed/);

    const key = join(p.root, "..", `mallory-${other.id}`);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const signed = { ...fake, signer: proof.signer };
    const signature = unarmor(
      execFileSync("ssh-keygen", ["-Y", "sign", "-q", "-n", "nexus-evidence", "-f", key], {
        input: evidencePayload(other.id, signed),
      }).toString(),
    );
    forge(p.open().store.file, (t) =>
      t.id === other.id ? { ...t, history: [...t.history.slice(0, -1), { ...signed, signature }] } : t,
    );
    const fresh = p.open();
    expect(unverifiedReason(fresh.store.get(other.id), fresh.store.trust)).toMatch(/does not verify/);
    expect(fresh.store.rows({ unverified: true }).map((r) => r.id)).toEqual([other.id]);
  });

  it("does not count a real signed record copied onto another task, or replayed after a failure", async () => {
    const { p, tc, done } = await doneTask();
    const proof = done.history.at(-1)!;
    const other = createTask(tc, { title: "copy", checks: ["true"] });
    forge(p.open().store.file, (t) =>
      t.id === other.id ? { ...t, status: "done", history: [...t.history, proof] } : t,
    );
    expect(unverifiedReason(p.open().store.get(other.id), p.open().store.trust)).toMatch(/does not verify/);

    p.advance(60_000);
    const later = p.open();
    updateTask(later, done.id, { checks: ["true", "false"] });
    forge(p.open().store.file, (t) =>
      t.id === done.id ? { ...t, checks: ["true"], status: "done", history: [...t.history, proof] } : t,
    );
    expect(unverifiedReason(p.open().store.get(done.id), p.open().store.trust)).toMatch(/older than events/);
  });

  it("does not count a run of other checks than the task has now (a merge that strengthened them)", async () => {
    const { p, done } = await doneTask();
    forge(p.open().store.file, (t) => (t.id === done.id ? { ...t, checks: ["true", "test -f missing"] } : t));
    const fresh = p.open();
    expect(unverifiedReason(fresh.store.get(done.id), fresh.store.trust)).toMatch(
      /checks changed since they passed/,
    );
    expect((await verifyTask(fresh, done.id)).task.status).toBe("in_progress");
  });

  it("records nothing when the checks change while the gates run", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "race", checks: ["sleep 1"] });
    startTask(tc, task.id);
    const completing = completeTask(tc, { id: task.id });
    await new Promise((r) => setTimeout(r, 300));
    updateTask(p.open(), task.id, { checks: ["sleep 1", "false"] });
    const error = await completing.catch((e: Error) => e);
    expect(String(error)).toMatch(/changed while its gates ran/);
    const after = p.open().store.get(task.id);
    expect(after.status).toBe("in_progress");
    expect(after.history.map((e) => e.type)).toEqual(["created", "started", "checks_changed"]);
  });

  it("counts a run recorded after a title edit that landed while it was signed, not after a change of state", async () => {
    const { p, done } = await doneTask();
    const proof = done.history.at(-1)!;
    const later = new Date(Date.parse(proof.at) + 5).toISOString();
    const edit = { id: "edit1", at: later, by: "ann", type: "updated", note: "title" };
    const insert = (event: object) =>
      forge(p.open().store.file, (t) =>
        t.id === done.id ? { ...t, history: [...t.history.slice(0, -1), event as never, proof] } : t,
      );
    insert(edit);
    expect(unverifiedReason(p.open().store.get(done.id), p.open().store.trust)).toBeUndefined();
    insert({ ...edit, id: "block1", type: "blocked", from: "in_progress", to: "blocked" });
    expect(unverifiedReason(p.open().store.get(done.id), p.open().store.trust)).toMatch(/older than/);
  });

  it("a check that writes tasks.jsonl cannot mark another task done", async () => {
    const p = await taskProject();
    const tc = p.open();
    const victim = createTask(tc, { title: "victim", checks: ["false"] });
    const file = p.open().store.file;
    const script = `node -e 'const f=${JSON.stringify(file)};const fs=require("fs");fs.writeFileSync(f,fs.readFileSync(f,"utf8").split("\\n").map(l=>l.includes("${victim.id}")?l.replace("\\"open\\"","\\"done\\""):l).join("\\n"))'`;
    const attacker = createTask(tc, { title: "attacker", checks: [script] });
    startTask(tc, attacker.id);
    await completeTask(tc, { id: attacker.id });
    const fresh = p.open();
    expect(fresh.store.get(victim.id).status).toBe("done");
    expect(fresh.store.isUnverified(fresh.store.get(victim.id))).toBe(true);
  });

  it("shows +dirty when the tree had changes, and never for Nexus's own task file", async () => {
    const p = await taskProject();
    git(p.root, "add", "-A");
    git(p.root, "commit", "-qm", "nexus init");
    const tc = p.open();
    const clean = createTask(tc, { title: "clean", checks: ["true"] });
    startTask(tc, clean.id);
    expect((await completeTask(tc, { id: clean.id })).gates.commit).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(join(p.root, "work.txt"), "uncommitted");
    const dirty = createTask(tc, { title: "dirty", checks: ["true"] });
    startTask(tc, dirty.id);
    const commit = (await completeTask(tc, { id: dirty.id })).gates.commit;
    expect(commit).toMatch(/^[0-9a-f]{40}\+dirty$/);
    expect(shortCommit(commit)).toMatch(/^[0-9a-f]{12}\+dirty$/);
  });
});

describe("changes to what the checks depend on", () => {
  it("need a review, and the run names the files (package.json scripts, tests, a script the check runs)", async () => {
    const p = await taskProject({
      files: {
        "package.json": '{"scripts":{"test":"exit 1"},"version":"1"}',
        "ci/check.sh": "exit 1\n",
        "src/a.js": "",
      },
    });
    const tc = p.open();
    const task = createTask(tc, { title: "game it", checks: ["npm test", "sh ci/check.sh"] });
    startTask(tc, task.id);
    writeFileSync(join(p.root, "package.json"), '{"scripts":{"test":"true"},"version":"1"}');
    writeFileSync(join(p.root, "ci/check.sh"), "true\n");
    writeFileSync(join(p.root, "src/a.test.js"), "");
    writeFileSync(join(p.root, "src/a.js"), "work");
    const result = await completeTask(tc, { id: task.id });
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1)!.reviewFiles).toEqual([
      "ci/check.sh",
      "package.json (scripts)",
      "src/a.test.js",
    ]);
  });

  it("do not count a package.json change outside its scripts, or files a check only reads", async () => {
    const p = await taskProject({
      files: { "package.json": '{"scripts":{"test":"true"},"version":"1"}', "fixed.txt": "no" },
    });
    const tc = p.open();
    const task = createTask(tc, { title: "fine", checks: ["grep -q yes fixed.txt"] });
    startTask(tc, task.id);
    writeFileSync(join(p.root, "package.json"), '{"scripts":{"test":"true"},"version":"2"}');
    writeFileSync(join(p.root, "fixed.txt"), "yes");
    expect((await completeTask(tc, { id: task.id })).task.status).toBe("done");
  });

  it("count Nexus's own files committed on a task's branch (a merge would rewrite tasks or config)", async () => {
    const root = gitRepo({ ".nexus/tasks.jsonl": "", ".nexus/config.yaml": "gates: []\n", "a.txt": "" });
    const base = git(root, "rev-parse", "HEAD");
    writeFileSync(join(root, ".nexus/tasks.jsonl"), '{"forged":true}\n');
    writeFileSync(join(root, ".nexus/config.yaml"), "tasks:\n  check_files: []\n");
    const globs = DEFAULT_CHECK_FILES;
    expect(await touchedCheckFiles({ tree: localTree(root), base, checks: ["true"], globs })).toEqual([]);
    git(root, "commit", "-qam", "the agent's branch");
    expect(await touchedCheckFiles({ tree: localTree(root), base, checks: ["true"], globs })).toEqual([
      ".nexus/config.yaml",
      ".nexus/tasks.jsonl",
    ]);
  });

  it("never hang on a package.json the agent replaced with a FIFO", async () => {
    const p = await taskProject({ files: { "package.json": '{"scripts":{"test":"true"}}' } });
    const tc = p.open();
    const task = createTask(tc, { title: "fifo", checks: ["true"] });
    startTask(tc, task.id);
    rmSync(join(p.root, "package.json"));
    execFileSync("mkfifo", [join(p.root, "package.json")]);
    const result = await completeTask(tc, { id: task.id });
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1)!.reviewFiles).toContain("package.json (scripts)");
  }, 20_000);

  it("need a review when the project's gates were weakened in an uncommitted config", async () => {
    const p = await taskProject({ gates: ["true"] });
    const config = join(p.paths.nexusDir, "config.yaml");
    writeFileSync(config, 'gates:\n  - "true"\n  - "test -f proof"\n');
    git(p.root, "add", "-A");
    git(p.root, "commit", "-qm", "gates");
    const tc = p.open();
    const task = createTask(tc, { title: "gated" });
    startTask(tc, task.id);
    const result = await completeTask(tc, { id: task.id });
    expect(result.task.status).toBe("awaiting_review");
    expect(result.task.history.at(-1)!.reviewFiles?.[0]).toMatch(
      /gates removed, not committed: test -f proof/,
    );
  });
});

describe("a reviewer with a signing key of their own", () => {
  it("is who the key says, not a typed name, and signs the approval with that key", async () => {
    const p = await taskProject();
    const key = join(p.root, "..", `reviewer-${Date.now()}`);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    git(p.root, "config", "gpg.format", "ssh");
    git(p.root, "config", "user.signingkey", `${key}.pub`);
    git(p.root, "config", "user.email", "rita@example.com");
    const tc = p.open("bot");
    const task = createTask(tc, { title: "reviewed", checks: ["true"], review: true });
    startTask(tc, task.id);
    await completeTask(tc, { id: task.id });
    const refused = await approveSigned(p.open(), task.id, "someone-else").catch((e: Error) => e);
    expect(String(refused)).toMatch(/Your signing key says you are rita@example.com/);
    const approved = await approveSigned(p.open(), task.id);
    expect(approved.history.at(-1)).toMatchObject({
      type: "approved",
      by: "rita@example.com",
      signer: "rita@example.com",
    });
    expect(readFileSync(join(p.paths.nexusDir, "allowed_signers"), "utf8")).toContain(
      readFileSync(`${key}.pub`, "utf8").split(" ")[1],
    );
    expect(p.open().store.isUnverified(approved)).toBe(false);
  });
});
