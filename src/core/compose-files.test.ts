import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitRepo, tempDir } from "../../test/helpers/fs.js";
import { detectEnvironment, initProject } from "../init/init.js";
import { findComposeFiles } from "./compose-files.js";
import { configSchema } from "./config.js";
import { composeOverrideFor } from "./project-files.js";
import { choose } from "./prompt.js";

const SERVICES = "services:\n  db:\n    image: postgres\n";

function tree(files: string[]): string {
  const root = tempDir();
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), SERVICES);
  }
  return root;
}

describe("finding compose files where projects keep them", () => {
  it("looks at the root, then .devcontainer/, docker/, deploy/, then other top-level folders", () => {
    const root = tree([
      "server/docker-compose.yaml",
      "deploy/compose.yml",
      "docker/docker-compose.yml",
      ".devcontainer/compose.yaml",
      "compose.yaml",
      "api/compose.yaml",
    ]);
    expect(findComposeFiles(root).map((c) => c.file)).toEqual([
      "compose.yaml",
      ".devcontainer/compose.yaml",
      "docker/docker-compose.yml",
      "deploy/compose.yml",
      "api/compose.yaml",
      "server/docker-compose.yaml",
    ]);
  });

  it("finds a file in one level of subfolders only, and skips dependencies and hidden folders", () => {
    const root = tree([
      "server/docker-compose.yaml",
      "scripts/deep/compose.yaml",
      "node_modules/pkg/compose.yaml",
      "node_modules/compose.yaml",
      "vendor/compose.yaml",
      ".git/compose.yaml",
      ".nexus/compose.yaml",
      ".github/compose.yaml",
    ]);
    expect(findComposeFiles(root)).toEqual([{ file: "server/docker-compose.yaml" }]);
  });

  it("takes one file per folder, the first of Compose's names, as Compose does", () => {
    const root = tree(["docker/docker-compose.yaml", "docker/docker-compose.yml", "docker/compose.yml"]);
    expect(findComposeFiles(root)).toEqual([{ file: "docker/compose.yml" }]);
  });

  it("pairs a file with the override Compose reads next to it, whatever the base file is named", () => {
    const root = tree([
      "docker-compose.yml",
      "docker-compose.override.yml",
      "server/compose.yaml",
      "server/docker-compose.override.yaml",
      "server/compose.override.yaml",
      "api/compose.yaml",
      "compose.override.yaml.bak",
    ]);
    expect(findComposeFiles(root)).toEqual([
      { file: "docker-compose.yml", override: "docker-compose.override.yml" },
      { file: "api/compose.yaml" },
      { file: "server/compose.yaml", override: "server/compose.override.yaml" },
    ]);
    // Compose's order: compose.override.yml before .yaml, before docker-compose.override.*
    const both = tree(["compose.yaml", "compose.override.yaml", "compose.override.yml"]);
    expect(composeOverrideFor(both, "compose.yaml")).toBe("compose.override.yml");
  });
});

describe("init proposes the compose file it found", () => {
  it("proposes a file in server/ with its override and a dev service from either file", async () => {
    const root = tree(["server/docker-compose.yaml"]);
    writeFileSync(join(root, "server/docker-compose.override.yml"), "services:\n  app:\n    image: x\n");
    expect(await detectEnvironment(root)).toEqual({
      kind: "compose",
      file: "server/docker-compose.yaml",
      files: ["server/docker-compose.yaml", "server/docker-compose.override.yml"],
      devService: "app",
      candidates: [{ file: "server/docker-compose.yaml", override: "server/docker-compose.override.yml" }],
    });
  });

  it("prefers a devcontainer.json and lists the compose files beside it (not its own)", async () => {
    const root = tree([".devcontainer/compose.yaml", "docker-compose.yml"]);
    writeFileSync(join(root, ".devcontainer/devcontainer.json"), "{}");
    expect(await detectEnvironment(root)).toEqual({
      kind: "devcontainer",
      file: ".devcontainer/devcontainer.json",
      candidates: [{ file: "docker-compose.yml" }],
    });
  });

  it("with several, asks (when it can) and otherwise takes the first; nothing found: no proposal", async () => {
    const root = tree(["docker/compose.yaml", "scripts/docker-compose.yml"]);
    expect((await detectEnvironment(root))?.file).toBe("docker/compose.yaml");
    let offered: string[] = [];
    const chosen = await detectEnvironment(root, async (candidates) => {
      offered = candidates.map((c) => c.file);
      return 1;
    });
    expect(offered).toEqual(["docker/compose.yaml", "scripts/docker-compose.yml"]);
    expect(chosen?.files).toEqual(["scripts/docker-compose.yml"]);
    expect(await detectEnvironment(tree(["node_modules/x/compose.yaml"]))).toBeUndefined();
  });

  it("writes the chosen files, the other candidates and the folder's .env into the config", async () => {
    const repo = gitRepo({
      "server/docker-compose.yaml": SERVICES,
      "server/docker-compose.override.yml": "services:\n  dev:\n    image: x\n",
      "docker/compose.yaml": SERVICES,
    });
    const result = await initProject(repo, { choose: async () => 1 });
    expect(result.environment?.file).toBe("server/docker-compose.yaml");
    const { parse } = await import("yaml");
    const text = (await import("node:fs")).readFileSync(join(repo, ".nexus/config.yaml"), "utf8");
    const config = configSchema.parse(parse(text));
    expect(config.default_template).toBe("compose");
    expect(config.compose?.files).toEqual([
      "server/docker-compose.yaml",
      "server/docker-compose.override.yml",
    ]);
    expect(config.compose?.dev_service).toBe("dev");
    expect(config.copy_files).toEqual([".env", ".env.local", "server/.env"]);
    expect(text).toContain("# Other compose files: docker/compose.yaml.");
    // A second init asks nothing: the config is the user's.
    const again = await initProject(repo, {
      choose: async () => {
        throw new Error("asked again");
      },
    });
    expect(again.alreadyInitialised).toBe(true);
  });
});

describe("asking which one", () => {
  async function answer(text: string): Promise<number> {
    const { Readable } = await import("node:stream");
    const saved = Object.getOwnPropertyDescriptor(process, "stdin")!;
    const write = process.stderr.write;
    Object.defineProperty(process, "stdin", { value: Readable.from([text]), configurable: true });
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      return await choose("Which?", ["compose.yaml", "server/compose.yaml"]);
    } finally {
      Object.defineProperty(process, "stdin", saved);
      process.stderr.write = write;
    }
  }

  it("takes a number from 1, the first on an empty answer, and refuses anything else", async () => {
    expect(await answer("2\n")).toBe(1);
    expect(await answer("\n")).toBe(0);
    await expect(answer("3\n")).rejects.toThrow(/"3" is not one of 1 to 2/);
  });
});
