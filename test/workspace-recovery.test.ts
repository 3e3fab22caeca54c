import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { resetDockerClient } from "../src/workspace/engine/docker.js";
import { createWorkspace, destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { containerId, dockerAvailable, execCapture } from "./helpers/docker.js";
import { git, gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();
const NAME = "recover";
const psql = (sql: string) => ["psql", "-U", "nexus", "-d", "app", "-tAc", sql];

describe.skipIf(!hasDocker)(
  "recovery: every injected failure ends in a working workspace with nothing lost",
  () => {
    let repo: string;

    beforeAll(async () => {
      isolatedHome();
      repo = gitRepo();
      await runCli(["init"], repo);
      await createWorkspace(await openProject(repo), { name: NAME, template: "node-postgres" });
      expect(
        (
          await execCapture(
            NAME,
            "db",
            psql("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('precious')"),
            repo,
          )
        ).code,
      ).toBe(0);
    });

    afterAll(async () => {
      if (repo) await destroyWorkspace(await openProject(repo), NAME, { force: true }).catch(() => undefined);
    });

    it("comes back after `docker kill` of every container, with its data", async () => {
      execFileSync("docker", [
        "kill",
        await containerId(NAME, "db", repo),
        await containerId(NAME, "dev", repo),
      ]);
      const listed = JSON.parse((await runCli(["workspace", "list", "--json"], repo)).stdout).workspaces[0];
      expect(listed.drift.join()).toContain("stopped unexpectedly");
      const up = await runCli(["workspace", "up", NAME], repo);
      expect(up.code, up.stderr).toBe(0);
      expect((await execCapture(NAME, "db", psql("SELECT v FROM kept"), repo)).stdout.trim()).toBe(
        "precious",
      );
    });

    it("recreates containers removed by hand", async () => {
      execFileSync("docker", ["rm", "-f", await containerId(NAME, "dev", repo)]);
      const status = JSON.parse((await runCli(["workspace", "status", NAME, "--json"], repo)).stdout);
      expect(status.drift).toContain("1 container(s) missing");
      expect((await runCli(["workspace", "up", NAME], repo)).code).toBe(0);
      expect((await runCli(["workspace", "exec", NAME, "--", "true"], repo)).code).toBe(0);
    });

    it("repairs a worktree deleted by hand from its branch, keeping committed work", async () => {
      const ctx = await openProject(repo);
      const worktree = ctx.store.get(NAME).worktreePath;
      execFileSync("sh", ["-c", "echo work > feature.txt && git add feature.txt && git commit -qm feature"], {
        cwd: worktree,
      });
      rmSync(worktree, { recursive: true, force: true });
      const listed = JSON.parse((await runCli(["workspace", "list", "--json"], repo)).stdout).workspaces[0];
      expect(listed.drift).toContain("worktree missing");
      expect((await runCli(["workspace", "up", NAME], repo)).stderr).toContain("workspace repair");
      const repaired = await runCli(["workspace", "repair", NAME], repo);
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(git(worktree, "log", "-1", "--format=%s")).toBe("feature");
      expect((await execCapture(NAME, "dev", ["cat", "/workspace/feature.txt"], repo)).stdout.trim()).toBe(
        "work",
      );
      expect((await execCapture(NAME, "db", psql("SELECT v FROM kept"), repo)).stdout.trim()).toBe(
        "precious",
      );
    });

    it("moves to a new port when another program took the recorded one, and says so", async () => {
      expect((await runCli(["workspace", "down", NAME], repo)).code).toBe(0);
      const ctx = await openProject(repo);
      const before = ctx.store.ports(NAME).find((p) => p.name === "postgres")!;
      const squatter = await listen(before.hostPort);
      try {
        const up = await runCli(["workspace", "up", NAME], repo);
        expect(up.code, up.stderr).toBe(0);
        expect(up.stderr).toContain(`port ${before.hostPort} (postgres) is taken`);
        const after = ctx.store.ports(NAME).find((p) => p.name === "postgres")!;
        expect(after.hostPort).not.toBe(before.hostPort);
        const ports = JSON.parse((await runCli(["workspace", "ports", NAME, "--json"], repo)).stdout);
        expect(ports.env.DATABASE_URL).toContain(`:${after.hostPort}/`);
      } finally {
        squatter.close();
      }
      expect((await execCapture(NAME, "db", psql("SELECT v FROM kept"), repo)).stdout.trim()).toBe(
        "precious",
      );
    });

    it("keeps its ports across down/up", async () => {
      const ctx = await openProject(repo);
      const before = ctx.store.ports(NAME);
      await runCli(["workspace", "down", NAME], repo);
      await runCli(["workspace", "up", NAME], repo);
      expect(ctx.store.ports(NAME)).toEqual(before);
    });

    it("rebuilds its record and ports from git and Docker after .nexus/nexus.db is deleted", async () => {
      const before = (await openProject(repo)).store.ports(NAME);
      for (const suffix of ["", "-wal", "-shm"])
        rmSync(join(repo, `.nexus/nexus.db${suffix}`), { force: true });
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on("warning", onWarning);
      const list = await runCli(["workspace", "list", "--json"], repo);
      await new Promise((resolve) => setImmediate(resolve));
      process.off("warning", onWarning);
      expect(list.code, list.stderr).toBe(0);
      // The rebuild reads Nexus's own override file: its Compose tags are not worth a warning each.
      expect(warnings.filter((w) => w.includes("Unresolved tag"))).toEqual([]);
      const [listed] = JSON.parse(list.stdout).workspaces;
      expect(listed).toMatchObject({ name: NAME, template: "node-postgres", state: "running", drift: [] });
      expect((await openProject(repo)).store.ports(NAME)).toEqual(before);
      expect((await runCli(["workspace", "exec", NAME, "--", "true"], repo)).code).toBe(0);
      const down = await runCli(["workspace", "down", NAME], repo);
      expect(down.code, down.stderr).toBe(0);
      expect((await runCli(["workspace", "up", NAME], repo)).code).toBe(0);
      expect((await openProject(repo)).store.ports(NAME)).toEqual(before);
    });

    // Restarting the engine stops every container on the machine: only in CI or when asked for.
    it.skipIf(!process.env.CI && !process.env.NEXUS_TEST_RESTART_DOCKER)(
      "works after a Docker daemon restart followed by up",
      async () => {
        restartDockerd();
        resetDockerClient();
        const up = await runCli(["workspace", "up", NAME], repo);
        expect(up.code, up.stderr).toBe(0);
        expect((await execCapture(NAME, "db", psql("SELECT v FROM kept"), repo)).stdout.trim()).toBe(
          "precious",
        );
      },
    );
  },
);

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** Stops dockerd and starts it again with the project's own script (this machine runs it directly). */
function restartDockerd(): void {
  execFileSync(
    "sh",
    ["-c", "pkill -TERM -x dockerd; while pgrep -x dockerd >/dev/null; do sleep 0.2; done"],
    { timeout: 60_000 },
  );
  execFileSync("bash", ["scripts/docker-engine.sh"], { stdio: "ignore", timeout: 120_000 });
}
