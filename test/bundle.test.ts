import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitRepo, tempDir } from "./helpers/fs.js";

const BIN = new URL("../bin/nexus.cjs", import.meta.url).pathname;

function nexus(
  cwd: string,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

/** The installed `nexus` is the bundle run from a V8 code cache: every lazily loaded part must still work. */
describe("the bundled CLI (bin/nexus.cjs)", () => {
  it("runs commands that load SQLite, yaml, zod and Docker lazily, and writes its code cache", async () => {
    const home = tempDir();
    const env = {
      HOME: home,
      NEXUS_HOME: join(home, ".nexus"),
      XDG_CACHE_HOME: join(home, "cache"),
      DOCKER_HOST: `unix://${home}/none.sock`,
    };
    const repo = gitRepo();
    mkdirSync(join(home, "cache", "nexus"), { recursive: true });
    writeFileSync(join(home, "cache", "nexus", "nexus-1-1.v8cache"), "left by an older build");
    expect((await nexus(repo, env, "--version")).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect((await nexus(repo, env, "init")).code).toBe(0);
    expect((await nexus(repo, env, "task", "create", "Bundled", "--check", "true")).code).toBe(0);
    const list = JSON.parse((await nexus(repo, env, "task", "list", "--json")).out);
    expect(list.map((t: { title: string }) => t.title)).toEqual(["Bundled"]);
    expect((await nexus(repo, env, "template", "list")).out).toContain("node-postgres");
    expect((await nexus(repo, env, "workspace", "create", "plain", "--template", "none")).code).toBe(0);
    const docker = await nexus(repo, env, "workspace", "create", "boxed", "--template", "node-postgres");
    expect(docker.code).toBe(1);
    expect(docker.err).toContain("Cannot reach the Docker Engine");
    expect((await nexus(repo, env, "stats", "--days", "1")).code).toBe(0);
    const cache = join(home, "cache", "nexus");
    expect(existsSync(cache)).toBe(true);
    // zod and yaml come from their own cached bundle; a rebuilt bundle's cache replaces the old one.
    const caches = readdirSync(cache);
    expect(caches.filter((f) => /^nexus-.*\.v8cache$/.test(f))).toHaveLength(1);
    expect(caches.filter((f) => /^vendor-.*\.v8cache$/.test(f))).toHaveLength(1);
  });
});
