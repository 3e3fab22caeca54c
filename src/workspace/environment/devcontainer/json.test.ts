import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../../../test/helpers/fs.js";
import { NexusError } from "../../../core/errors.js";
import { checkJsonc } from "./errors.js";
import { loadDevcontainer } from "./load.js";

describe("a devcontainer.json is read whole or refused", () => {
  it("accepts comments and trailing commas, as the specification does", async () => {
    await expect(
      checkJsonc('{\n  // the image\n  "image": "x",\n  "forwardPorts": [3000,],\n}\n', "f"),
    ).resolves.toBe(undefined);
  });

  it("refuses an object closed early, naming the file and the line where the rest begins", async () => {
    const text = '{\n  "name": "app",\n  "image": "debian:bookworm-slim"\n},\n  "forwardPorts": [3000]\n}\n';
    const error = await checkJsonc(text, ".devcontainer/devcontainer.json").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).exitCode).toBe(2);
    expect((error as NexusError).category).toBe("config");
    expect((error as NexusError).message).toMatch(
      /^\.devcontainer\/devcontainer\.json:4: text after the end of the top-level object .*line 4, column 2/,
    );
  });

  it("refuses other syntax errors and an empty file", async () => {
    await expect(checkJsonc('{ "image": "x" "name": "y" }', "f")).rejects.toThrow(/^f:1: not valid JSON/);
    await expect(checkJsonc("  \n", "f")).rejects.toThrow(/not valid JSON/);
  });

  it("stops create before the devcontainer CLI runs", async () => {
    const worktree = tempDir();
    mkdirSync(join(worktree, ".devcontainer"));
    const configFile = join(worktree, ".devcontainer/devcontainer.json");
    writeFileSync(configFile, '{ "image": "x" }\n"forwardPorts": [3000] }\n');
    const cli = vi.fn();
    const deps = {
      cli,
      imageExists: async () => false,
      imageCommand: async () => ({ entrypoint: [], cmd: [] }),
    };
    const load = loadDevcontainer({ worktree, configFile, cacheDir: join(worktree, "cache") }, deps);
    await expect(load).rejects.toThrow(/devcontainer\.json:2: text after the end/);
    expect(cli).not.toHaveBeenCalled();
  });
});
