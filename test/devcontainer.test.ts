import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NexusError } from "../src/core/errors.js";
import { loadDevcontainer } from "../src/workspace/environment/devcontainer/load.js";
import { defaultDeps } from "../src/workspace/environment/devcontainer/steps.js";
import type { Environment } from "../src/workspace/environment/types.js";
import { dockerAvailable } from "./helpers/docker.js";
import { tempDir } from "./helpers/fs.js";

const exec = promisify(execFile);
const hasDocker = await dockerAvailable();
const FIXTURES = join(import.meta.dirname, "fixtures/devcontainer-local");

/** A copy of one fixture as a worktree named `name`, with its own cache folder. */
function fixture(which: string, name = which) {
  const worktree = join(tempDir("nexus-dc-"), name);
  cpSync(join(FIXTURES, which), worktree, { recursive: true });
  return {
    worktree,
    configFile: join(worktree, ".devcontainer/devcontainer.json"),
    cacheDir: join(worktree, ".nexus/cache/devcontainer"),
  };
}

function counted() {
  const cli = vi.fn(defaultDeps.cli);
  return { deps: { ...defaultDeps, cli }, cli };
}

function composeArgs(env: Environment, project?: string): string[] {
  return [
    "compose",
    ...(project ? ["-p", project] : []),
    "--project-directory",
    env.projectDir,
    ...env.files.flatMap((file) => ["-f", file]),
  ];
}

/** `docker compose config --format json`: Compose accepts the files and this is what it sees. */
async function composeConfig(env: Environment) {
  const { stdout } = await exec("docker", [...composeArgs(env), "config", "--format", "json"]);
  return JSON.parse(stdout) as { services: Record<string, Record<string, unknown>> };
}

const projects: string[] = [];
afterEach(async () => {
  for (const project of projects.splice(0))
    await exec("docker", ["compose", "-p", project, "down", "-v", "--timeout", "1"]).catch(() => {});
});

/** `up -d` the dev service in a unique project, run `cmd` in it, `down -v`. */
async function upAndExec(env: Environment, cmd: string[]): Promise<string> {
  const project = `nexus-dctest-${env.hash.slice(0, 8)}-${process.pid}`;
  projects.push(project);
  const args = composeArgs(env, project);
  await exec("docker", [...args, "up", "-d", "--wait", ...(env.runServices ?? [])]);
  const { stdout } = await exec("docker", [...args, "exec", "-T", env.devService!, ...cmd]);
  await exec("docker", [...args, "down", "-v", "--timeout", "1"]);
  return stdout;
}

describe.skipIf(!hasDocker)("devcontainer.json through @devcontainers/cli and Compose", () => {
  it("image config: the image itself in a generated `dev` service, kept alive; a warm call starts no CLI", async () => {
    const f = fixture("image", "my-app");
    const { deps, cli } = counted();
    const env = await loadDevcontainer(f, deps);
    expect(env).toMatchObject({
      devService: "dev",
      projectDir: f.worktree,
      workspaceFolder: "/workspaces/my-app",
      overrideCommand: true,
      remoteUser: "root",
      containerEnv: { FIXTURE: "my-app", DOLLAR: "$HOME" },
      remoteEnv: { PATH: "${containerEnv:PATH}:/opt/bin" },
      forwardPorts: [3000],
      postCreate: ["echo one", ["echo", "two"]],
      postStart: ["echo started"],
    });
    expect(cli).toHaveBeenCalledTimes(1);
    const started = performance.now();
    expect(await loadDevcontainer(f, deps)).toEqual(env);
    expect(performance.now() - started).toBeLessThan(200);
    expect(cli).toHaveBeenCalledTimes(1);

    const config = await composeConfig(env);
    expect(config.services.dev).toMatchObject({ image: "debian:bookworm-slim" });
    expect(await upAndExec(env, ["sh", "-c", 'echo "$FIXTURE $DOLLAR"'])).toBe("my-app $HOME\n");
  });

  it("Dockerfile config with build.args and build.target: built once, tagged by content", async () => {
    const f = fixture("dockerfile", "df-app");
    // A line of its own makes a tag no earlier run built: this run pays for a (layer-cached) build.
    const dockerfile = readFileSync(join(f.worktree, ".devcontainer/Dockerfile"), "utf8");
    const marked = `${dockerfile}# run ${randomUUID()}\n`;
    writeFileSync(join(f.worktree, ".devcontainer/Dockerfile"), marked);
    const { deps, cli } = counted();
    const env = await loadDevcontainer(f, deps);
    expect(env).toMatchObject({
      workspaceFolder: "/src",
      overrideCommand: true,
      postCreate: ["echo on-create", ["echo", "post-create"]],
    });
    expect(cli.mock.calls.map((call) => call[0][0])).toEqual(["read-configuration", "build"]);
    const image = (await composeConfig(env)).services.dev?.image as string;
    expect(image).toMatch(/^nexus\/devcontainer-[0-9a-f]{12}:latest$/);
    expect(await upAndExec(env, ["cat", "/greeting", "/stage"])).toBe("hello df-app\ndev\n");

    // Another worktree with the same files: same image, not built again.
    const again = counted();
    const copy = fixture("dockerfile", "df-app");
    writeFileSync(join(copy.worktree, ".devcontainer/Dockerfile"), marked);
    const other = await loadDevcontainer(copy, again.deps);
    expect((await composeConfig(other)).services.dev?.image).toBe(image);
    expect(again.cli.mock.calls.map((call) => call[0][0])).toEqual(["read-configuration"]);
    await exec("docker", ["image", "rm", image]);
  });

  it("a local feature (./hello-feature) is built into the image", async () => {
    const f = fixture("feature");
    const env = await loadDevcontainer(f);
    expect((await composeConfig(env)).services.dev?.image).toMatch(/^nexus\/devcontainer-/);
    expect(await upAndExec(env, ["sh", "-c", 'hello && echo "$HELLO_FEATURE"'])).toBe(
      "hi from hello-feature\n1\n",
    );
    // The CLI wrote no lockfile into the worktree.
    expect(() => readFileSync(join(f.worktree, ".devcontainer/devcontainer-lock.json"))).toThrow();
  });

  it("compose config: the project's files, its dev service and runServices", async () => {
    const f = fixture("compose");
    const progress: string[] = [];
    const env = await loadDevcontainer({ ...f, onProgress: (line) => progress.push(line) });
    expect(env).toMatchObject({
      files: [join(f.worktree, "compose.yaml"), join(f.worktree, ".devcontainer/compose.dev.yaml")],
      projectDir: f.worktree,
      devService: "app",
      runServices: ["app", "db"],
      workspaceFolder: "/workspaces/app",
      overrideCommand: false,
      forwardPorts: [3000, 8080],
    });
    expect(progress).toContainEqual(expect.stringContaining('"db:5432" ignored'));
    const config = await composeConfig(env);
    expect(config.services.app?.environment).toEqual({ DEV: "1" });
    expect(await upAndExec(env, ["sh", "-c", "echo $DEV"])).toBe("1\n");
  });

  it("compose config with a local feature: an extra file gives the dev service the built image", async () => {
    const f = fixture("compose", "compose-feature");
    cpSync(
      join(FIXTURES, "feature/.devcontainer/hello-feature"),
      join(f.worktree, ".devcontainer/hello-feature"),
      {
        recursive: true,
      },
    );
    const config = JSON.parse(readFileSync(f.configFile, "utf8"));
    writeFileSync(f.configFile, JSON.stringify({ ...config, features: { "./hello-feature": {} } }));
    const env = await loadDevcontainer(f);
    expect(env.files).toHaveLength(3);
    expect((await composeConfig(env)).services.app?.image).toMatch(/^nexus\/devcontainer-/);
    expect(await upAndExec(env, ["hello"])).toBe("hello from hello-feature\n");
  });

  it("a registry feature fails quickly offline with an error naming it", async () => {
    const f = fixture("registry");
    const started = performance.now();
    const error = await loadDevcontainer({ ...f, readTimeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(35_000);
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).message).toMatch(
      /^\.devcontainer\/devcontainer\.json: feature "ghcr\.io\/devcontainers\/features\/node:1" \(features\) could not be fetched: the registry ghcr\.io could not be reached/,
    );
    expect((error as NexusError).hint).toContain("local folder");
  });

  it("a registry that accepts connections but never answers is given up on after registryTimeoutMs", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = performance.now();
      const error = await loadDevcontainer({ ...fixture("registry"), registryTimeoutMs: 3000 }).catch(
        (e: unknown) => e,
      );
      expect(performance.now() - started).toBeLessThan(10_000);
      expect((error as NexusError).message).toMatch(
        /feature "ghcr.io\/devcontainers\/features\/node:1" .*could not be reached \(timed out\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
      silent.close();
    }
  });
});
