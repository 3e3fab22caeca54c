import { randomInt } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { initialisedRepo, SLIM_TEMPLATE } from "./helpers/workspaces.js";

/** A workspace name no other run on the shared engine uses at the same time. */
const WORKSPACE = `gates-rec-${randomInt(1, 1_000_000).toString(36)}`;

describe("a gate in a workspace's dev container", () => {
  const { repo, made } = initialisedRepo((dir) => {
    mkdirSync(join(dir, ".nexus/templates/slim"), { recursive: true });
    writeFileSync(join(dir, ".nexus/templates/slim/compose.yaml"), SLIM_TEMPLATE);
  });

  it("finds the container from the workspace's record, without reading its environment again", async () => {
    expect(await dockerAvailable()).toBe(true);
    made.push(WORKSPACE);
    const created = await runCli(["workspace", "create", WORKSPACE, "--template", "slim", "--json"], repo());
    expect(created.code, created.stderr).toBe(0);
    // remoteEnv may hold ${localEnv:…} values: the recorded dev target is never printed.
    expect(JSON.parse(created.stdout).workspace).not.toHaveProperty("dev");
    const ctx = await openProject(repo());
    const record = ctx.store.get(WORKSPACE);
    expect(record.composeProject).toMatch(new RegExp(`^nexus-${WORKSPACE}-[0-9a-f]{6}$`));
    expect(record.dev).toEqual({ service: "dev", workspaceFolder: "/workspace", remoteEnv: {} });
    ctx.db.close();

    // With the template gone, deriving the environment would fail: the record is all the gate needs.
    rmSync(join(repo(), ".nexus/templates/slim"), { recursive: true });
    rmSync(join(record.worktreePath, ".nexus/templates/slim"), { recursive: true, force: true });
    const check = "test -f /.dockerenv && test -d /workspace";
    const create = ["task", "create", "runs in the container", "--check", check, "-w", WORKSPACE, "--json"];
    const id = JSON.parse((await runCli(create, repo())).stdout).id;
    await runCli(["task", "start", id], repo());
    const done = await runCli(["task", "complete", id, "--json"], repo());
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).task.status).toBe("done");
    expect(JSON.parse(done.stdout).gates.where).toBe(`workspace ${WORKSPACE}`);
  });
});
