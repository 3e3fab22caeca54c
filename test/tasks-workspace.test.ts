import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();

describe.skipIf(!hasDocker)("gates run in the task's workspace dev container", () => {
  let repo = "";

  beforeAll(() => {
    isolatedHome();
    repo = gitRepo({
      "test.js":
        "if (process.env.NEXUS_WORKSPACE !== 'gates') { console.error('not in the container'); process.exit(4); }\n",
    });
  });

  afterAll(async () => {
    if (repo)
      await destroyWorkspace(await openProject(repo), "gates", { force: true }).catch(() => undefined);
  });

  it("passes and fails on what the container sees, recording the commit and output", async () => {
    await runCli(["init"], repo);
    expect((await runCli(["workspace", "create", "gates", "-t", "node-postgres"], repo)).code).toBe(0);
    const ok = JSON.parse(
      (
        await runCli(
          [
            "task",
            "create",
            "in container",
            "-w",
            "gates",
            "--check",
            "node test.js",
            "--check",
            "git status --short",
            "--json",
          ],
          repo,
        )
      ).stdout,
    );
    await runCli(["task", "start", ok.id], repo);
    const passed = await runCli(["task", "complete", ok.id, "--json"], repo);
    expect(passed.code, passed.stderr).toBe(0);
    const result = JSON.parse(passed.stdout);
    expect(result.gates.where).toBe("workspace gates");
    expect(result.task.status).toBe("done");
    const bad = JSON.parse(
      (await runCli(["task", "create", "host check", "--check", "node test.js", "--json"], repo)).stdout,
    );
    await runCli(["task", "start", bad.id], repo);
    const failed = JSON.parse((await runCli(["task", "complete", bad.id, "--json"], repo)).stdout);
    expect(failed.gates.where).toBe("repository");
    expect(failed.task.status).toBe("in_progress");
    expect(failed.gates.results[0]).toMatchObject({ exitCode: 4, outputTail: "not in the container" });
  });
});
