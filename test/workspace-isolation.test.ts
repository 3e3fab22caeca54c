import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { createWorkspace, destroyWorkspace, type WorkspaceSummary } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import {
  containerId,
  dockerAvailable,
  execCapture,
  POSTGRES_SSL_REQUEST,
  probeTcp,
} from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();
const NAMES = ["iso-one", "iso-two", "iso-three"];

describe.skipIf(!hasDocker)("three node-postgres workspaces at once", () => {
  let repo: string;
  let home: string;
  let results: WorkspaceSummary[];

  beforeAll(async () => {
    home = isolatedHome();
    repo = gitRepo({
      "package.json": JSON.stringify({ name: "app", scripts: { test: "node test.js" } }),
      "test.js": "console.log('tests ok')\n",
    });
    await runCli(["init"], repo);
    // Separate contexts, as separate processes would have: each opens its own database connection.
    results = await Promise.all(
      NAMES.map(async (name) =>
        createWorkspace(await openProject(repo), { name, template: "node-postgres" }),
      ),
    );
  });

  afterAll(async () => {
    if (!repo) return;
    const ctx = await openProject(repo);
    for (const name of NAMES) await destroyWorkspace(ctx, name, { force: true }).catch(() => undefined);
  });

  it("gives each its own branch and worktree", () => {
    const branches = git(repo, "branch", "--list", "nexus/*")
      .split("\n")
      .map((b) => b.replace(/^[*+ ]+/, ""));
    expect(branches.sort()).toEqual(NAMES.map((n) => `nexus/${n}`).sort());
    expect(new Set(results.map((r) => r.workspace.worktreePath)).size).toBe(3);
  });

  it("never shares a host port, and binds only to 127.0.0.1", async () => {
    const ports = results.flatMap((r) => r.ports.map((p) => p.hostPort));
    expect(ports).toHaveLength(9);
    expect(new Set(ports).size).toBe(9);
    const inspect = execFileSync(
      "docker",
      ["inspect", "--format", "{{json .HostConfig.PortBindings}}", await containerId("iso-one", "db", repo)],
      { encoding: "utf8" },
    );
    expect(inspect).toContain('"HostIp":"127.0.0.1"');
    expect(inspect).not.toContain('"HostIp":""');
  });

  it("reaches every database and SSH server from the host on the printed ports", async () => {
    for (const result of results) {
      const db = result.ports.find((p) => p.name === "postgres")!;
      const ssh = result.ports.find((p) => p.name === "ssh")!;
      expect(["S", "N"]).toContain((await probeTcp(db.hostPort, POSTGRES_SSL_REQUEST)).toString()[0]);
      expect((await probeTcp(ssh.hostPort)).toString()).toMatch(/^SSH-2\.0/);
      expect(result.env.DATABASE_URL).toBe(`postgresql://nexus:nexus@127.0.0.1:${db.hostPort}/app`);
    }
  });

  it("keeps each database private to its workspace", async () => {
    const psql = (sql: string) => ["psql", "-U", "nexus", "-d", "app", "-tAc", sql];
    const created = await execCapture("iso-one", "db", psql("CREATE TABLE only_in_one (id int)"), repo);
    expect(created.code, created.stdout).toBe(0);
    const count = "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_one'";
    expect((await execCapture("iso-one", "db", psql(count), repo)).stdout.trim()).toBe("1");
    expect((await execCapture("iso-two", "db", psql(count), repo)).stdout.trim()).toBe("0");
    expect((await execCapture("iso-three", "db", psql(count), repo)).stdout.trim()).toBe("0");
  });

  it("runs the project's tests inside the dev container and passes exit codes through", async () => {
    const ok = await runCli(["workspace", "exec", "iso-one", "--", "npm", "test"], repo);
    expect(ok.stdout).toContain("tests ok");
    expect(ok.code).toBe(0);
    expect((await runCli(["workspace", "exec", "iso-one", "--", "sh", "-c", "exit 42"], repo)).code).toBe(42);
    const env = await runCli(
      ["workspace", "exec", "iso-two", "--", "sh", "-c", "echo $NEXUS_PORT_WEB $DATABASE_URL"],
      repo,
    );
    const web = results[1]!.ports.find((p) => p.name === "web")!.hostPort;
    expect(env.stdout.trim()).toBe(`${web} postgresql://nexus:nexus@db:5432/app`);
  });

  it("answers `ssh nexus-NAME -- git status` with no prompt, key only", () => {
    const alias = results[0]!.sshAlias!;
    expect(alias).toMatch(/^nexus-iso-one-[0-9a-f]{6}$/);
    const ssh = (_name: string, cmd: string, extra: string[] = []) =>
      execFileSync("ssh", ["-F", `${home}/.ssh/config`, "-o", "BatchMode=yes", ...extra, alias, "--", cmd], {
        encoding: "utf8",
        timeout: 20_000,
      });
    const status = ssh("iso-one", "pwd && git status");
    expect(status).toContain("/workspace");
    expect(status).toContain("On branch nexus/iso-one");
    expect(() =>
      ssh("iso-one", "true", ["-o", "PreferredAuthentications=password,keyboard-interactive"]),
    ).toThrow();
  });

  it("lets git in a container prune without breaking the host's other worktrees", async () => {
    expect((await execCapture("iso-one", "dev", ["git", "worktree", "prune"], repo)).code).toBe(0);
    const list = git(repo, "worktree", "list", "--porcelain");
    for (const name of NAMES) expect(list).toContain(`.nexus/worktrees/${name}`);
    expect(git(results[1]!.workspace.worktreePath, "status", "--short")).toBe("");
  });

  it("lists all three as running with ports and disk use", async () => {
    const list = JSON.parse((await runCli(["workspace", "list", "--json"], repo)).stdout);
    for (const w of list.workspaces) {
      expect(w.state).toBe("running");
      expect(w.drift).toEqual([]);
      expect(w.diskBytes).toBeGreaterThan(0);
    }
  });
});
