import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { tempDir } from "../../../../test/helpers/fs.js";
import { NexusError, NotFoundError, UsageError } from "../../../core/errors.js";
import type { CliResult, CliRunner } from "./cli.js";
import { runArgsExtras } from "./compose.js";
import { cliFailure } from "./errors.js";
import { type DevcontainerDeps, loadDevcontainer } from "./load.js";
import { flattenLifecycle, forwardPortsOf, lifecycleOf, type MergedConfig } from "./map.js";

const ok = (stdout: unknown): CliResult => ({
  exitCode: 0,
  stdout: JSON.stringify(stdout),
  stderr: "",
  timedOut: false,
});

/**
 * A fake CLI: read-configuration echoes the file's JSON as configuration and mergedConfiguration
 * (plus `merged` extras), as the real one does for a config without image metadata; build succeeds.
 */
function fakeDeps(merged: MergedConfig = {}, images = new Set<string>()) {
  const cli = vi.fn<CliRunner>(async (args) => {
    const config = JSON.parse(readFileSync(args[args.indexOf("--config") + 1]!, "utf8"));
    if (args[0] === "build") {
      images.add(args[args.indexOf("--image-name") + 1]!);
      return ok({ outcome: "success" });
    }
    const worktree = args[args.indexOf("--workspace-folder") + 1]!;
    const workspaceFolder = config.dockerComposeFile ? "/" : `/workspaces/${basename(worktree)}`;
    return ok({
      configuration: config,
      workspace: { workspaceFolder },
      mergedConfiguration: { ...config, ...merged },
    });
  });
  const deps: DevcontainerDeps = {
    cli,
    imageExists: async (image) => images.has(image),
    imageCommand: async () => ({ entrypoint: ["/docker-entrypoint.sh"], cmd: ["serve"] }),
  };
  return { cli, deps, images };
}

function project(files: Record<string, string | object>) {
  const worktree = join(tempDir(), "my-app");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(worktree, name)), { recursive: true });
    writeFileSync(join(worktree, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  const configFile = join(worktree, ".devcontainer/devcontainer.json");
  return { worktree, configFile, cacheDir: join(worktree, ".nexus/cache/devcontainer") };
}

describe("lifecycle commands", () => {
  it("flattens strings, argv arrays and named objects in order", () => {
    const flat = flattenLifecycle(
      ["make", ["npm", "ci"], { a: "echo a", b: ["echo", "b"] }, ""],
      "postCreateCommand",
      "f",
    );
    expect(flat).toEqual(["make", ["npm", "ci"], "echo a", ["echo", "b"]]);
  });

  it("runs onCreate and updateContent before postCreate, and postAttach after postStart", () => {
    const merged: MergedConfig = {
      onCreateCommands: ["one"],
      updateContentCommands: [["two"]],
      postCreateCommands: [{ x: "three" }],
      postStartCommands: ["four"],
      postAttachCommands: ["five"],
    };
    expect(lifecycleOf(merged, "f")).toEqual({
      postCreate: ["one", ["two"], "three"],
      postStart: ["four", "five"],
    });
  });

  it("names the field of a command that is neither string nor argv", () => {
    expect(() =>
      flattenLifecycle([{ x: [1] as unknown as string[] }], "postStartCommand", "dc.json"),
    ).toThrow(/dc.json: "postStartCommand.x" must be a string/);
  });
});

describe("forwardPorts and runArgs", () => {
  it("keeps numbers and the dev service's ports, notes other services' ports", () => {
    const result = forwardPortsOf([3000, "app:8080", "db:5432", "localhost:9000", 3000], "app", "f");
    expect(result.ports).toEqual([3000, 8080, 9000]);
    expect(result.notes).toEqual([expect.stringContaining('"db:5432" ignored: db is not the dev service')]);
  });

  it("rejects a port that is not one, naming the field", () => {
    expect(() => forwardPortsOf([70000], "dev", "dc.json")).toThrow(/dc.json: "forwardPorts" entry 70000/);
  });

  it("maps runArgs Compose has a key for and notes the rest", () => {
    const { service, notes } = runArgsExtras([
      "--init",
      "--cap-add=SYS_PTRACE",
      "--security-opt",
      "seccomp=unconfined",
      "--network=host",
    ]);
    expect(service).toEqual({ init: true, cap_add: ["SYS_PTRACE"], security_opt: ["seccomp=unconfined"] });
    expect(notes).toEqual([expect.stringContaining('"--network=host" ignored')]);
  });
});

describe("loadDevcontainer", () => {
  it("image config: one generated `dev` service kept alive, the spec's defaults", async () => {
    const p = project({
      ".devcontainer/devcontainer.json": { image: "debian:bookworm-slim", containerEnv: { A: "$HOME" } },
    });
    const { deps, cli } = fakeDeps({ containerUser: "node" });
    const env = await loadDevcontainer(p, deps);
    expect(env).toMatchObject({
      kind: "devcontainer",
      source: ".devcontainer/devcontainer.json",
      projectDir: p.worktree,
      devService: "dev",
      workspaceFolder: "/workspaces/my-app",
      overrideCommand: true,
      updateRemoteUserUID: true,
      remoteUser: "node",
      containerEnv: { A: "$HOME" },
    });
    expect(env.files).toEqual([join(p.cacheDir, env.hash.slice(0, 16), "compose.yaml")]);
    const compose = parse(readFileSync(env.files[0]!, "utf8"));
    expect(compose.services.dev).toMatchObject({ image: "debian:bookworm-slim", user: "node", command: [] });
    expect(compose.services.dev.environment).toEqual({ A: "$$HOME" });
    expect(compose.services.dev.entrypoint.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(compose.services.dev.entrypoint[2]).toContain("while sleep 1 & wait $$!");
    expect(cli.mock.calls.map((c) => c[0][0])).toEqual(["read-configuration"]);
  });

  it("a second call with unchanged files starts no CLI; a changed input does", async () => {
    const p = project({
      ".devcontainer/devcontainer.json": { image: "debian:bookworm-slim", features: { "./hello": {} } },
      ".devcontainer/hello/install.sh": "echo 1",
    });
    const { deps, cli, images } = fakeDeps();
    const first = await loadDevcontainer(p, deps);
    expect(cli.mock.calls.map((c) => c[0][0])).toEqual(["read-configuration", "build"]);
    expect(await loadDevcontainer(p, deps)).toEqual(first);
    expect(cli).toHaveBeenCalledTimes(2);
    writeFileSync(join(p.worktree, ".devcontainer/hello/install.sh"), "echo 2");
    const second = await loadDevcontainer(p, deps);
    expect(second.hash).not.toBe(first.hash);
    expect(cli).toHaveBeenCalledTimes(4);
    images.clear();
    await loadDevcontainer(p, deps);
    expect(cli.mock.calls.at(-1)![0][0]).toBe("build");
  });

  it("a ${localEnv:X} value or a new file in .devcontainer invalidates the cache", async () => {
    const p = project({
      ".devcontainer/devcontainer.json": { image: "i", containerEnv: { A: "${localEnv:NEXUS_DC_TEST}" } },
    });
    const { deps, cli } = fakeDeps();
    vi.stubEnv("NEXUS_DC_TEST", "one");
    await loadDevcontainer(p, deps);
    await loadDevcontainer(p, deps);
    expect(cli).toHaveBeenCalledTimes(1);
    vi.stubEnv("NEXUS_DC_TEST", "two");
    await loadDevcontainer(p, deps);
    expect(cli).toHaveBeenCalledTimes(2);
    writeFileSync(join(p.worktree, ".devcontainer/setup.sh"), "echo new");
    await loadDevcontainer(p, deps);
    expect(cli).toHaveBeenCalledTimes(3);
    vi.unstubAllEnvs();
  });

  it("tags built images by content, not by worktree, and skips an existing image", async () => {
    const files = {
      ".devcontainer/devcontainer.json": { build: { dockerfile: "Dockerfile" } },
      ".devcontainer/Dockerfile": "FROM x",
    };
    const { deps, cli } = fakeDeps();
    const a = await loadDevcontainer(project(files), deps);
    const b = await loadDevcontainer(project(files), deps);
    const image = (env: typeof a) => parse(readFileSync(env.files[0]!, "utf8")).services.dev.image;
    expect(image(a)).toMatch(/^nexus\/devcontainer-[0-9a-f]{12}:latest$/);
    expect(image(b)).toBe(image(a));
    expect(cli.mock.calls.map((c) => c[0][0])).toEqual(["read-configuration", "build", "read-configuration"]);
    expect(cli.mock.calls[1]![0]).toContain("--no-lockfile");
  });

  it("compose config: the project's files, the dev service, runServices, overrideCommand false", async () => {
    const p = project({
      ".devcontainer/devcontainer.json": {
        dockerComposeFile: ["../compose.yaml", "dev.yaml"],
        service: "app",
        runServices: ["app", "db"],
        workspaceFolder: "/src",
      },
    });
    const env = await loadDevcontainer(p, fakeDeps().deps);
    expect(env.files).toEqual([join(p.worktree, "compose.yaml"), join(p.worktree, ".devcontainer/dev.yaml")]);
    expect(env).toMatchObject({
      projectDir: p.worktree,
      devService: "app",
      runServices: ["app", "db"],
      overrideCommand: false,
    });
  });

  it("compose config with features: an extra file sets the service's built image", async () => {
    const p = project({
      ".devcontainer/devcontainer.json": {
        dockerComposeFile: "c.yaml",
        service: "app",
        workspaceFolder: "/w",
        features: { "./f": {} },
      },
      ".devcontainer/f/install.sh": "",
    });
    const env = await loadDevcontainer(p, fakeDeps().deps);
    expect(env.files).toHaveLength(2);
    expect(parse(readFileSync(env.files[1]!, "utf8")).services.app.image).toMatch(/^nexus\/devcontainer-/);
  });

  it("overrideCommand false with a feature entrypoint chains the image's own entrypoint and command", async () => {
    const p = project({ ".devcontainer/devcontainer.json": { image: "i", overrideCommand: false } });
    const env = await loadDevcontainer(p, fakeDeps({ entrypoints: ["/usr/local/share/init.sh"] }).deps);
    const dev = parse(readFileSync(env.files[0]!, "utf8")).services.dev;
    expect(dev.entrypoint.slice(3)).toEqual(["-", "/docker-entrypoint.sh"]);
    expect(dev.entrypoint[2]).toContain("/usr/local/share/init.sh");
    expect(dev.command).toEqual(["serve"]);
  });
});

describe("loadDevcontainer errors", () => {
  it("a missing file is named", async () => {
    const p = project({});
    await expect(loadDevcontainer(p, fakeDeps().deps)).rejects.toThrow(NotFoundError);
    await expect(loadDevcontainer(p, fakeDeps().deps)).rejects.toThrow(
      ".devcontainer/devcontainer.json: not found",
    );
  });

  it("a compose config without workspaceFolder or service names the field", async () => {
    const noFolder = project({
      ".devcontainer/devcontainer.json": { dockerComposeFile: "c.yaml", service: "app" },
    });
    await expect(loadDevcontainer(noFolder, fakeDeps().deps)).rejects.toThrow(
      /"workspaceFolder" must be set/,
    );
    const noService = project({ ".devcontainer/devcontainer.json": { dockerComposeFile: "c.yaml" } });
    await expect(loadDevcontainer(noService, fakeDeps().deps)).rejects.toThrow(UsageError);
  });

  it("the CLI's own message names what is wrong with the file", async () => {
    const p = project({ ".devcontainer/devcontainer.json": "[1]" });
    const stderr = `[2026-01-01T00:00:00.000Z] Error: Dev container config (${p.configFile}) must contain a JSON object literal.\n    at ki (x.js:1:1)\n`;
    const { deps } = fakeDeps();
    deps.cli = async () => ({ exitCode: 1, stdout: "", stderr, timedOut: false });
    const error = await loadDevcontainer(p, deps).catch((e: NexusError) => e);
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).message).toBe(
      `.devcontainer/devcontainer.json: Dev container config (${p.configFile}) must contain a JSON object literal.`,
    );
    expect((error as NexusError).exitCode).toBe(2);
  });

  it("an unreachable registry names the feature and says what to do", () => {
    const stderr = [
      "[2026-01-01T00:00:00.000Z] Resolving Feature dependencies for 'ghcr.io/devcontainers/features/node:1'...",
      "[2026-01-01T00:00:00.000Z] * Processing feature: ghcr.io/devcontainers/features/node:1",
      "[2026-01-01T00:00:00.000Z] Error: getaddrinfo ENOTFOUND ghcr.io",
    ].join("\n");
    const error = cliFailure(
      "read-configuration",
      "dc.json",
      { exitCode: 1, stdout: "", stderr, timedOut: false },
      1000,
    );
    expect(error.message).toBe(
      'dc.json: feature "ghcr.io/devcontainers/features/node:1" (features) could not be fetched: the registry ghcr.io could not be reached (getaddrinfo ENOTFOUND ghcr.io)',
    );
    expect(error.hint).toContain('reference it as "./node"');
    const hung = cliFailure(
      "read-configuration",
      "dc.json",
      { exitCode: 1, stdout: "", stderr: stderr.split("\n")[0]!, timedOut: true },
      1000,
    );
    expect(hung.message).toContain("could not be reached (timed out)");
  });

  it("a missing image and a missing referenced file are named", () => {
    const pull =
      "[2026-01-01T00:00:00.000Z] Command failed: docker pull mcr.microsoft.com/devcontainers/base:bookworm";
    expect(
      cliFailure("read-configuration", "f", { exitCode: 1, stdout: "", stderr: pull, timedOut: false }, 1)
        .message,
    ).toBe(
      'f: image "mcr.microsoft.com/devcontainers/base:bookworm" is not available locally and could not be pulled',
    );
    const enoent =
      "[2026-01-01T00:00:00.000Z] Error: ENOENT: no such file or directory, open '/w/.devcontainer/Nope'";
    expect(
      cliFailure("read-configuration", "f", { exitCode: 1, stdout: "", stderr: enoent, timedOut: false }, 1)
        .message,
    ).toBe("f: it references /w/.devcontainer/Nope, which does not exist");
  });
});
