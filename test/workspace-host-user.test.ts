import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAvailable } from "./helpers/docker.js";
import { nonRootUser, type Runner } from "./helpers/nonroot.js";

const hasDocker = await dockerAvailable();
const isRoot = process.getuid?.() === 0;
if (process.env.CI && !isRoot)
  throw new Error("CI is set but the tests do not run as root: the non-root user cannot be made.");
const NAME = "hostuser";

/**
 * A developer who is not root, in the docker group, with a git identity, a corporate proxy and CA:
 * files the container writes are theirs, git works on both sides, destroy leaves nothing.
 */
describe.skipIf(!hasDocker || !isRoot)("a non-root user's workspace", () => {
  let as: Runner;

  beforeAll(async () => {
    as = nonRootUser("nexus-ci-dev");
    as.sh("git init -q -b main && git config user.name 'Dev User' && git config user.email dev@example.test");
    as.sh(`printf '{"name":"app","private":true}\\n' > package.json && git add -A && git commit -qm init`);
    expect(as.nexus("init").code).toBe(0);
    appendFileSync(
      join(as.repo, ".nexus/config.yaml"),
      `env:\n  POSTGRES_HOST: db\nworkspaces:\n  ${NAME}:\n    env:\n      ONLY_HERE: "yes"\n      TRICKY: 'it''s "q" & $HOME'\n`,
    );
    const ca = join(as.home, "corp-ca.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Corp Test CA",
        "-keyout",
        join(as.home, "ca.key"),
        "-out",
        ca,
      ],
      { stdio: "ignore" },
    );
    const created = as.nexus("workspace", "create", NAME, "--template", "node-postgres", {
      HTTPS_PROXY: "http://proxy.corp.test:3128",
      no_proxy: "localhost,db",
      NODE_EXTRA_CA_CERTS: ca,
    });
    expect(created.code, created.stderr).toBe(0);
  });

  afterAll(() => {
    as?.nexus("workspace", "destroy", NAME, "--force");
    as?.cleanup();
  });

  it("runs commands as the host user, so files in the worktree and in .git are theirs", () => {
    const inside = as.nexus(
      "workspace",
      "exec",
      NAME,
      "--",
      "sh",
      "-c",
      "id -u; npm install --offline --no-audit --no-fund >/dev/null 2>&1; mkdir -p node_modules/x; echo hi > made.txt; git add made.txt && git commit -qm 'from the container' && git log -1 --format=%an/%ae",
    );
    expect(inside.code, inside.stderr).toBe(0);
    const [uid, author] = inside.stdout.trim().split("\n");
    expect(uid).toBe(String(as.uid));
    expect(author).toBe("Dev User/dev@example.test");
    // New worktrees live at .nexus/worktrees/NAME/<repository folder>; git names their admin folder.
    const worktree = join(as.repo, ".nexus/worktrees", NAME, basename(as.repo));
    const admin = as.sh(`git -C ${worktree} rev-parse --absolute-git-dir`).stdout.trim();
    for (const file of [join(worktree, "made.txt"), join(worktree, "node_modules/x"), join(admin, "index")])
      expect(Number(execFileSync("stat", ["-c", "%u", file], { encoding: "utf8" }).trim()), file).toBe(
        as.uid,
      );
    as.sh(`cd ${worktree} && echo host > host.txt && git add host.txt && git commit -qm 'from the host'`);
  });

  it("carries the host's proxy and CA bundle in, and the config's variables, and takes -e and -w", () => {
    const shown = as.nexus(
      "workspace",
      "exec",
      NAME,
      "-e",
      "EXTRA=1",
      "-w",
      "node_modules",
      "--",
      "sh",
      "-c",
      'echo "$HTTPS_PROXY|$https_proxy|$NO_PROXY|$POSTGRES_HOST|$ONLY_HERE|$EXTRA|$(pwd)"; grep -c BEGIN "$NODE_EXTRA_CA_CERTS"; tail -n 2 "$NODE_EXTRA_CA_CERTS" | head -n 1; ls /usr/local/share/ca-certificates',
    );
    expect(shown.code, shown.stderr).toBe(0);
    const [vars, certs, lastLine, installed] = shown.stdout.trim().split("\n");
    // NO_PROXY keeps the host's entries and adds loopback and the project's services (db is reached directly).
    expect(vars).toBe(
      "http://proxy.corp.test:3128|http://proxy.corp.test:3128|localhost,db,127.0.0.1,dev|db|yes|1|/workspace/node_modules",
    );
    // NODE_EXTRA_CA_CERTS only adds: the container gets the host's store with the corporate CA at its end.
    expect(Number(certs)).toBeGreaterThan(1);
    const corp = readFileSync(join(as.home, "corp-ca.pem"), "utf8").trim().split("\n");
    expect(lastLine).toBe(corp.at(-2));
    expect(installed).toContain("nexus-host-ca.crt");
    const bad = as.nexus("workspace", "exec", NAME, "-e", "not a pair", "--", "true");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("-e takes KEY=VALUE");
  });

  it("answers SSH as the mapped user, in the worktree", () => {
    const status = JSON.parse(as.nexus("workspace", "status", NAME, "--json").stdout);
    const out = as.run("ssh", [
      "-F",
      join(as.home, ".ssh/config"),
      "-o",
      "BatchMode=yes",
      status.sshAlias,
      "--",
      'id -u && pwd && git rev-parse --abbrev-ref HEAD && printf "%s\\n" "$TRICKY"',
    ]);
    expect(out.stdout.trim().split("\n")).toEqual([
      String(as.uid),
      "/workspace",
      `nexus/${NAME}`,
      `it's "q" & $HOME`,
    ]);
  });

  it("completes a task checked in the dev container, signed with a key made in the user's fresh home", () => {
    const made = as.nexus(
      "task",
      "create",
      "as the user",
      "--check",
      "test -w /workspace",
      "-w",
      NAME,
      "--json",
    );
    const id = JSON.parse(made.stdout).id;
    expect(as.nexus("task", "start", id).code).toBe(0);
    const done = as.nexus("task", "complete", id);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(as.nexus("task", "show", id, "--json").stdout)).toMatchObject({
      status: "done",
      unverified: false,
    });
    expect(existsSync(join(as.home, ".nexus/keys/evidence/id_ed25519"))).toBe(true);

    // A home Nexus cannot write: a clear error saying what to do, no stack trace, nothing recorded.
    as.sh('mkdir -p "$HOME/ro-home" && chmod 500 "$HOME/ro-home"');
    const second = JSON.parse(
      as.nexus("task", "create", "read-only home", "--check", "true", "--json").stdout,
    ).id;
    expect(as.nexus("task", "start", second).code).toBe(0);
    const refused = as.nexus("task", "complete", second, { NEXUS_HOME: join(as.home, "ro-home") });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Cannot make Nexus's signing key");
    expect(refused.stderr).toContain("hint:");
    expect(refused.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(JSON.parse(as.nexus("task", "show", second, "--json").stdout).status).toBe("in_progress");
  });

  it("destroys as the user and leaves nothing behind", async () => {
    const destroyed = as.nexus("workspace", "destroy", NAME, "--force");
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(existsSync(join(as.repo, ".nexus/worktrees", NAME))).toBe(false);
    expect(as.sh("git worktree list").stdout.trim().split("\n")).toHaveLength(1);
    const docker = new Dockerode();
    const filters = { label: [`nexus.workspace=${NAME}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
  });
});
