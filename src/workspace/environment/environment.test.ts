import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers/fs.js";
import { configSchema } from "../../core/config.js";
import { projectPaths } from "../../core/paths.js";
import { composeArgs } from "../engine/compose.js";
import { activeServices, configCommand, PLACEHOLDERS, relocate } from "../engine/compose-model.js";
import { loadEnvironment, workspaceProfiles } from "./environment.js";

function repo(files: Record<string, string>): string {
  const root = tempDir();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

const ctxOf = (root: string, compose: Record<string, unknown> = {}) => ({
  paths: projectPaths(root, join(root, ".git")),
  config: configSchema.parse({ compose: { dev_service: "dev", ...compose } }),
});

const DEV = "services:\n  dev:\n    image: x\n";

describe("the repository's compose file as Compose reads it", () => {
  it("runs from the first file's folder, with the override next to it when compose.files is unset", async () => {
    const root = repo({
      "compose.yaml": DEV,
      "compose.override.yml": DEV,
      "docker-compose.override.yml": DEV,
    });
    const env = await loadEnvironment(ctxOf(root), "compose", root);
    expect(env?.files).toEqual([join(root, "compose.yaml"), join(root, "compose.override.yml")]);
    expect(env?.projectDir).toBe(root);

    const sub = repo({ "server/docker-compose.yaml": DEV, "server/docker-compose.override.yaml": DEV });
    const files = ["server/docker-compose.yaml"];
    const listed = await loadEnvironment(ctxOf(sub, { files }), "compose", sub);
    expect(listed?.files).toEqual([join(sub, "server/docker-compose.yaml")]); // listed: exactly those
    expect(listed?.projectDir).toBe(join(sub, "server"));
    const found = await loadEnvironment(ctxOf(sub), "compose", sub); // unset: found as init finds it
    expect(found?.files.map((f) => f.slice(sub.length + 1))).toEqual([
      "server/docker-compose.yaml",
      "server/docker-compose.override.yaml",
    ]);
  });

  it("takes compose.project_directory when set, and refuses a folder that is not there", async () => {
    const root = repo({ "docker/compose.yaml": DEV, "src/.keep": "" });
    const files = ["docker/compose.yaml"];
    const env = await loadEnvironment(ctxOf(root, { files, project_directory: "." }), "compose", root);
    expect(env?.projectDir).toBe(root);
    await expect(
      loadEnvironment(ctxOf(root, { files, project_directory: "nope" }), "compose", root),
    ).rejects.toThrow(/compose.project_directory: no folder nope/);
    expect(() => ctxOf(root, { project_directory: "../x" })).toThrow(/inside the repository/);
  });

  it("records profiles from --profile, the config and COMPOSE_PROFILES, each once", () => {
    const root = repo({});
    const saved = process.env.COMPOSE_PROFILES;
    process.env.COMPOSE_PROFILES = "tools, debug";
    try {
      const ctx = ctxOf(root, { profiles: ["jobs", "tools"] });
      expect(workspaceProfiles(ctx, "compose", ["web"])).toEqual(["web", "jobs", "tools", "debug"]);
      expect(workspaceProfiles(ctx, "node-postgres")).toEqual(["tools", "debug"]);
      expect(() => workspaceProfiles(ctx, "compose", ["a b"])).toThrow(/not a Compose profile name/);
    } finally {
      if (saved === undefined) delete process.env.COMPOSE_PROFILES;
      else process.env.COMPOSE_PROFILES = saved;
    }
  });
});

describe("profiles and the project directory reach Compose", () => {
  const model = {
    name: "p",
    services: {
      app: { depends_on: { cache: {} } },
      cache: {},
      tools: { profiles: ["tools"] },
      dbg: { profiles: ["debug"] },
    },
  };

  it("starts the services of active profiles too, so the override covers them", () => {
    expect(activeServices(model)).toEqual(["app", "cache"]);
    expect(activeServices(model, undefined, ["tools"])).toEqual(["app", "cache", "tools"]);
    expect(activeServices(model, undefined, ["*"])).toEqual(["app", "cache", "tools", "dbg"]);
    expect(activeServices(model, ["app"], ["debug"])).toEqual(["app", "cache", "dbg"]);
  });

  it("passes --profile, and shows the command that reads the files as Nexus does", () => {
    const project = {
      name: "n",
      files: ["/w/server/compose.yaml"],
      projectDir: "/w/server",
      profiles: ["tools"],
    };
    expect(composeArgs(project, ["config"])).toEqual([
      "compose",
      "-p",
      "n",
      "--project-directory",
      "/w/server",
      "-f",
      "/w/server/compose.yaml",
      "--profile",
      "tools",
      "config",
    ]);
    expect(configCommand(project)).toBe("docker compose -f /w/server/compose.yaml --profile tools config");
    const inWorktree = { ...project, root: "/w", projectDir: "/w", profiles: [] };
    expect(configCommand(inWorktree)).toBe(
      "docker compose --project-directory . -f server/compose.yaml config",
    );
    const saved = process.env.COMPOSE_PROFILES;
    process.env.COMPOSE_PROFILES = "tools";
    try {
      expect(configCommand({ ...inWorktree, files: ["/w/x y/compose.yaml"] })).toBe(
        "COMPOSE_PROFILES= docker compose --project-directory . -f 'x y/compose.yaml' config",
      );
    } finally {
      if (saved === undefined) delete process.env.COMPOSE_PROFILES;
      else process.env.COMPOSE_PROFILES = saved;
    }
  });

  it("relocates a cached model by the worktree, so `context: ..` above the file's folder moves too", () => {
    const a = { name: "nexus-a-1", projectDir: "/r/.nexus/worktrees/a/repo" };
    const b = { name: "nexus-b-1", projectDir: "/r/.nexus/worktrees/b/repo" };
    const text = JSON.stringify({ services: { app: { build: { context: a.projectDir } } } });
    const moved = relocate(relocate(text, a, PLACEHOLDERS), PLACEHOLDERS, b);
    expect(JSON.parse(moved).services.app.build.context).toBe(b.projectDir);
  });
});
