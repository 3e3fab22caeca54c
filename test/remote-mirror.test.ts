/**
 * The git side of remote workspaces (src/workspace/remote/mirror.ts) against a real "remote" host: an
 * sshd and a second dockerd in their own network and mount namespaces (test/helpers/remote-host.ts),
 * where /tmp, /work and /root are empty. Real git on both sides. Needs root and Docker: on a machine
 * without them it skips, under CI=true it fails.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Host, type HostPaths, hostPaths, parseHostUrl, pinKey } from "../src/workspace/remote/hosts.js";
import {
  addRemoteWorktree,
  copyToHost,
  ensureHostFile,
  ensureMirror,
  ensurePackageFiles,
  pullBranch,
  pushBranch,
  type RemoteLayout,
  remoteLayout,
  remoteWorkState,
  removeRemoteWorktree,
} from "../src/workspace/remote/mirror.js";
import { shq } from "../src/workspace/remote/remote-shell.js";
import { ssh, stopMaster } from "../src/workspace/remote/ssh.js";
import { dockerAvailable } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";
import { type RemoteHost, startRemoteHost } from "./helpers/remote-host.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());
const suffix = Math.random().toString(36).slice(2, 7);
const [A, B] = [`alpha-${suffix}`, `beta-${suffix}`];

describe.skipIf(!ready)("remote mirror", () => {
  let remote: RemoteHost;
  let host: Host;
  let paths: HostPaths;
  let repo: string;
  let layout: RemoteLayout;
  const sh = async (command: string) => {
    const result = await ssh(host, command, { paths });
    if (result.exitCode !== 0) throw new Error(`${command}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    console.info(`[remote-mirror] ${label}: ${Math.round(performance.now() - started)} ms`);
    return value;
  };

  beforeAll(async () => {
    const home = isolatedHome();
    remote = await startRemoteHost(home);
    paths = hostPaths();
    host = parseHostUrl("far", remote.url, remote.key);
    pinKey(paths, "far", remote.hostKey());
    repo = gitRepo({ "README.md": "# remote\n", "src/run.sh": "echo hi\n" });
    git(repo, "branch", `nexus/${A}`);
    git(repo, "branch", `nexus/${B}`);
  }, 90_000);

  afterAll(() => remote?.stop(), 60_000);

  it("lays a repository out under the remote user's $HOME and refuses names that leave it", async () => {
    layout = await remoteLayout(host, "abc123def456", basename(repo), paths);
    expect(layout.base).toBe("/root/.nexus-remote/abc123def456");
    expect(layout.mirror).toBe(`${layout.base}/mirror`);
    expect(layout.worktree(A)).toBe(`${layout.base}/worktrees/${A}/${basename(repo)}`);
    expect(() => layout.worktree("../x")).toThrow(/Invalid workspace name/);
    await expect(remoteLayout(host, "..", "repo", paths)).rejects.toThrow(/Invalid repository id/);
    await expect(remoteLayout(host, "id", "a/b", paths)).rejects.toThrow(/Invalid repository folder/);
  });

  it("pushes a branch and makes the remote worktree on it (first and second workspace)", async () => {
    // A fresh host: no mirror, no master connection (the first call pays the ssh handshake).
    await stopMaster(host, paths);
    for (const name of [A, B]) {
      const pushed = await timed(
        `ensureMirror+pushBranch+addRemoteWorktree ${name === A ? "first" : "second"}`,
        async () => {
          await ensureMirror(host, layout, paths);
          const result = await pushBranch(host, layout, repo, `nexus/${name}`, paths);
          await addRemoteWorktree(host, layout, name, `nexus/${name}`, paths);
          return result;
        },
      );
      expect(pushed).toEqual({ after: git(repo, "rev-parse", "main") });
      const where = layout.worktree(name);
      expect(await sh(`cat ${where}/README.md`)).toBe("# remote");
      expect(await sh(`git -C ${where} symbolic-ref HEAD`)).toBe(`refs/heads/nexus/${name}`);
    }
    // Run again (a retry after a failure half-way): the same worktree is kept.
    expect(await addRemoteWorktree(host, layout, A, `nexus/${A}`, paths)).toBe(layout.worktree(A));
  }, 60_000);

  it("makes two workspaces at once (parallel creates share the mirror)", async () => {
    const names = [`gamma-${suffix}`, `delta-${suffix}`];
    for (const name of names) git(repo, "branch", `nexus/${name}`);
    await Promise.all(
      names.map(async (name) => {
        await ensureMirror(host, layout, paths);
        await pushBranch(host, layout, repo, `nexus/${name}`, paths);
        await addRemoteWorktree(host, layout, name, `nexus/${name}`, paths);
      }),
    );
    for (const name of names) {
      expect(await sh(`git -C ${layout.worktree(name)} symbolic-ref HEAD`)).toBe(`refs/heads/nexus/${name}`);
      await removeRemoteWorktree(host, layout, name, { branch: `nexus/${name}`, deleteBranch: true }, paths);
      git(repo, "branch", "-q", "-D", `nexus/${name}`);
    }
    expect(await sh(`ls -A ${layout.base}/worktrees`)).toBe(`${A}\n${B}`);
  }, 30_000);

  it("a local commit pushed updates the clean remote worktree (updateInstead)", async () => {
    git(repo, "checkout", "-q", `nexus/${A}`);
    writeFileSync(join(repo, "new.txt"), "from here\n");
    git(repo, "add", "new.txt");
    git(repo, "commit", "-q", "-m", "local change");
    git(repo, "checkout", "-q", "main");
    const before = git(repo, "rev-parse", "main");
    const pushed = await pushBranch(host, layout, repo, `nexus/${A}`, paths);
    expect(pushed).toEqual({ before, after: git(repo, "rev-parse", `nexus/${A}`) });
    expect(await sh(`cat ${layout.worktree(A)}/new.txt`)).toBe("from here");
    expect(await sh(`git -C ${layout.worktree(A)} status --porcelain`)).toBe("");
    const again = await pushBranch(host, layout, repo, `nexus/${A}`, paths);
    expect(again).toEqual({ before: pushed.after, after: pushed.after });
  }, 30_000);

  it("reports dirty files and unpulled commits, and pull brings the commit back", async () => {
    const where = layout.worktree(A);
    await sh(`cd ${where} && git config user.email r@host && git config user.name Remote`);
    await sh(
      `cd ${where} && echo made-there > remote.txt && git add remote.txt && git commit -q -m 'remote work'`,
    );
    await sh(`cd ${where} && echo draft > draft.txt && echo changed >> README.md`);
    const local = { localRoot: repo, branch: `nexus/${A}` };
    const state = await remoteWorkState(host, layout, A, local, paths);
    expect(state).toEqual({ dirty: expect.arrayContaining(["README.md", "draft.txt"]), unpulled: 1 });
    expect(state.dirty).toHaveLength(2);
    const before = git(repo, "rev-parse", `nexus/${A}`);
    const pulled = await timed("pullBranch (1 commit)", () =>
      pullBranch(host, layout, repo, `nexus/${A}`, paths),
    );
    expect(pulled).toEqual({ before, after: await sh(`git -C ${where} rev-parse HEAD`), commits: 1 });
    expect(git(repo, "show", `nexus/${A}:remote.txt`)).toBe("made-there");
    expect(git(repo, "for-each-ref", "refs/nexus")).toBe("");
    expect((await remoteWorkState(host, layout, A, local, paths)).unpulled).toBe(0);
    await sh(`cd ${where} && git checkout -q -- README.md && rm draft.txt`);
    expect(await remoteWorkState(host, layout, A, local, paths)).toEqual({ dirty: [], unpulled: 0 });
  }, 30_000);

  it("refuses a push over a dirty remote worktree and a diverged branch, both ways, as conflicts", async () => {
    const where = layout.worktree(A);
    git(repo, "checkout", "-q", `nexus/${A}`);
    writeFileSync(join(repo, "ahead.txt"), "ahead\n");
    git(repo, "add", "ahead.txt");
    git(repo, "commit", "-q", "-m", "local ahead");
    git(repo, "checkout", "-q", "main");
    await sh(`cd ${where} && echo x >> README.md`);
    await expect(pushBranch(host, layout, repo, `nexus/${A}`, paths)).rejects.toMatchObject({
      category: "conflict",
      message: expect.stringMatching(/uncommitted changes/),
    });
    await sh(`cd ${where} && git commit -qam 'remote ahead'`);
    await expect(pushBranch(host, layout, repo, `nexus/${A}`, paths)).rejects.toMatchObject({
      category: "conflict",
      hint: expect.stringMatching(/[Pp]ull/),
    });
    const diverged = pullBranch(host, layout, repo, `nexus/${A}`, paths);
    await expect(diverged).rejects.toMatchObject({
      category: "conflict",
      message: expect.stringMatching(/diverged/),
    });
    // The host's commit waits at the ref the hint names; merging it makes the push go through.
    git(repo, "checkout", "-q", `nexus/${A}`);
    git(repo, "merge", "-q", "--no-edit", `refs/nexus/pulled/nexus/${A}`);
    git(repo, "checkout", "-q", "main");
    const pushed = await pushBranch(host, layout, repo, `nexus/${A}`, paths);
    expect(await sh(`git -C ${where} rev-parse HEAD`)).toBe(pushed.after);
    expect(await sh(`cat ${where}/ahead.txt`)).toBe("ahead");
  }, 30_000);

  it("pulls into a branch checked out in the local checkout with merge --ff-only", async () => {
    const where = layout.worktree(B);
    await sh(`cd ${where} && git -c user.email=r@h -c user.name=R commit -q --allow-empty -m one`);
    await sh(
      `cd ${where} && echo two > two.txt && git add two.txt && git -c user.email=r@h -c user.name=R commit -q -m two`,
    );
    git(repo, "checkout", "-q", `nexus/${B}`);
    try {
      const pulled = await pullBranch(host, layout, repo, `nexus/${B}`, paths);
      expect(pulled.commits).toBe(2);
      expect(existsSync(join(repo, "two.txt"))).toBe(true);
      expect(git(repo, "status", "--porcelain")).toBe("");
    } finally {
      git(repo, "checkout", "-q", "main");
    }
  }, 30_000);

  it("makes the mirror once when two creates race", async () => {
    const racing = await remoteLayout(host, `race-${suffix}`, "repo", paths);
    await Promise.all([ensureMirror(host, racing, paths), ensureMirror(host, racing, paths)]);
    expect(await sh(`git -C ${racing.mirror} config receive.denyCurrentBranch`)).toBe("updateInstead");
    expect(await sh(`git -C ${racing.mirror} rev-parse --is-bare-repository`)).toBe("true");
    expect(await sh(`ls -A ${racing.base}`)).toBe("mirror");
  });

  it("removes a workspace's worktree and branch, leaving nothing of it, and again is fine", async () => {
    await sh(`echo junk > ${layout.worktree(B)}/untracked.txt`);
    const options = { branch: `nexus/${B}`, deleteBranch: true };
    await removeRemoteWorktree(host, layout, B, options, paths);
    await removeRemoteWorktree(host, layout, B, options, paths);
    expect(await sh(`ls -A ${layout.base}/worktrees`)).toBe(A);
    expect(await sh(`git -C ${layout.mirror} branch --list`)).not.toContain(B);
    expect(await sh(`git -C ${layout.mirror} worktree list --porcelain`)).not.toContain(B);
    expect(await sh(`ls ${layout.worktree(A)}/README.md`)).toContain("README.md");
    const gone = await remoteLayout(host, "never-made", "repo", paths);
    await removeRemoteWorktree(host, gone, A, { branch: `nexus/${A}`, deleteBranch: true }, paths);
  }, 30_000);

  it("copies ignored files with their modes and refuses paths that leave the folder", async () => {
    writeFileSync(join(repo, ".env"), "SECRET=1\n");
    chmodSync(join(repo, ".env"), 0o600);
    const to = layout.worktree(A);
    await copyToHost(host, repo, [".env"], to, paths);
    expect(await sh(`cat ${to}/.env; stat -c %a ${to}/.env`)).toBe("SECRET=1\n600");
    for (const bad of ["../x", "a/../../x", "/etc/passwd", ""])
      await expect(copyToHost(host, repo, [bad], to, paths)).rejects.toMatchObject({
        category: "validation",
      });
    await expect(copyToHost(host, repo, [".env"], "relative/dir", paths)).rejects.toThrow(/absolute/);
    await expect(copyToHost(host, repo, ["missing.txt"], to, paths)).rejects.toThrow(/missing\.txt/);
    // Values reach the remote shell quoted: a folder name with quotes and $(…) is just a name.
    const odd = `/root/odd '$(touch /root/pwned)' "\`x\`"`;
    await copyToHost(host, repo, [".env"], odd, paths);
    expect(await sh("ls -A /root")).not.toContain("pwned");
    expect(await sh(`cat ${shq(`${odd}/.env`)}`)).toBe("SECRET=1");
    for (const branch of ["main", "nexus/a;b", "nexus/$(x)", "nexus/../x"])
      await expect(pushBranch(host, layout, repo, branch, paths)).rejects.toMatchObject({
        category: "validation",
      });
  }, 30_000);

  it("copies Nexus's package files and a single file once per content", async () => {
    // Two at once on a host without them: both copy, one rename wins, no half-copied folder is left.
    const [first, other] = await timed("ensurePackageFiles (copy, 2 at once)", () =>
      Promise.all([ensurePackageFiles(host, paths), ensurePackageFiles(host, paths)]),
    );
    expect(other).toBe(first);
    expect(first).toMatch(/^\/root\/\.nexus-remote\/pkg\/[0-9a-f]{16}$/);
    expect(await sh(`ls ${first}`)).toBe("runtime\ntemplates");
    const stamp = await sh(`stat -c %i.%Y ${first} ${first}/runtime/dev-init.sh`);
    const [second] = await Promise.all([
      timed("ensurePackageFiles (present)", () => ensurePackageFiles(host, paths)),
      ensurePackageFiles(host, paths),
    ]);
    expect(second).toBe(first);
    expect(await sh(`stat -c %i.%Y ${first} ${first}/runtime/dev-init.sh`)).toBe(stamp);
    expect(await sh("ls -A /root/.nexus-remote/pkg")).toBe(basename(first));
    const bundle = join(repo, "ca bundle.pem");
    writeFileSync(bundle, "-----BEGIN CERTIFICATE-----\n");
    const file = await ensureHostFile(host, bundle, paths);
    expect(file).toMatch(/^\/root\/\.nexus-remote\/files\/[0-9a-f]{16}-ca_bundle\.pem$/);
    expect(await sh(`cat '${file}'`)).toBe("-----BEGIN CERTIFICATE-----");
    expect(await ensureHostFile(host, bundle, paths)).toBe(file);
    expect(await sh("ls -A /root/.nexus-remote/files")).toBe(basename(file));
  }, 60_000);

  it("names the host when it cannot be reached", async () => {
    const away = { ...host, port: 1 };
    await expect(ensureMirror(away, layout, paths)).rejects.toThrow(/Cannot reach far/);
    await expect(pushBranch(away, layout, repo, `nexus/${A}`, paths)).rejects.toThrow(/Cannot reach far/);
  }, 30_000);

  it("says to install git when the host has none", async () => {
    // Only in the remote's own mount namespace (private propagation): this machine's git is untouched.
    await sh("mount --bind /dev/null /usr/bin/git");
    try {
      const fresh = await remoteLayout(host, `nogit-${suffix}`, "repo", paths);
      await expect(ensureMirror(host, fresh, paths)).rejects.toMatchObject({
        category: "environment",
        message: expect.stringMatching(/git is not installed on host far/),
        hint: expect.stringMatching(/Install git on far/),
      });
    } finally {
      await sh("umount /usr/bin/git");
    }
  });
});
