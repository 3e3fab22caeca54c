import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { git, gitRepo, tempDir } from "../../test/helpers/fs.js";
import { detectGates } from "../init/init.js";
import { isNexusError, NexusError, NotFoundError, UsageError } from "./errors.js";
import { formatBytes, printJson, printTable } from "./output.js";
import { findProject, findRepository, nexusHome, packageRoot, workspaceFromCwd } from "./paths.js";
import { run } from "./process.js";
import { confirm } from "./prompt.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("errors", () => {
  it("carry a hint, a category and a stable exit code", () => {
    expect(new UsageError("bad", "fix it")).toMatchObject({
      exitCode: 2,
      category: "validation",
      hint: "fix it",
    });
    expect(new NotFoundError("gone")).toMatchObject({ exitCode: 1, category: "not_found" });
    expect(new NexusError("x")).toMatchObject({ exitCode: 1, category: "internal" });
    expect(isNexusError(new Error("plain"))).toBe(false);
  });
});

describe("output", () => {
  it("formats sizes", () => {
    expect([formatBytes(null), formatBytes(512), formatBytes(2048), formatBytes(5 * 1024 ** 3)]).toEqual([
      "-",
      "512 B",
      "2.0 KB",
      "5.0 GB",
    ]);
  });

  it("prints JSON and aligned tables on stdout", async () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => writes.push(String(chunk)) > 0);
    printJson({ a: 1 });
    await printTable(
      [{ n: "one", v: 1 }],
      [
        { header: "NAME", value: (r) => r.n },
        { header: "VALUE", value: (r) => r.v },
      ],
    );
    expect(JSON.parse(writes[0]!)).toEqual({ a: 1 });
    expect(writes[1]).toMatch(/NAME\s+VALUE\s*\n\s*one\s+1/);
  });
});

describe("paths", () => {
  it("takes NEXUS_HOME made absolute, and an empty one as unset (never the current folder)", () => {
    vi.stubEnv("NEXUS_HOME", "");
    expect(nexusHome()).toMatch(/\/\.nexus$/);
    vi.stubEnv("NEXUS_HOME", "rel/home");
    expect(nexusHome()).toBe(join(process.cwd(), "rel/home"));
    vi.unstubAllEnvs();
  });

  it("finds the main repository from inside a linked worktree, and the workspace from cwd", async () => {
    const repo = gitRepo();
    mkdirSync(join(repo, ".nexus/worktrees"), { recursive: true });
    git(repo, "worktree", "add", "-q", "-b", "nexus/feat", join(repo, ".nexus/worktrees/feat"));
    const nested = join(repo, ".nexus/worktrees/feat/src");
    mkdirSync(nested);
    const paths = await findProject(nested);
    expect(paths.root).toBe(repo);
    expect(paths.gitCommonDir).toBe(join(repo, ".git"));
    expect(workspaceFromCwd(paths, nested)).toBe("feat");
    expect(workspaceFromCwd(paths, repo)).toBeUndefined();
  });

  it("explains a missing repository or a missing init", async () => {
    await expect(findRepository(tempDir())).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("Not inside a git repository"),
    });
    await expect(findProject(gitRepo())).rejects.toMatchObject({
      hint: "Run `nexus init` in the repository first.",
    });
    expect(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).name).toBe("nexus");
  });
});

describe("init gate detection", () => {
  it.each([
    [
      { "package.json": JSON.stringify({ scripts: { test: "vitest", lint: "biome", typecheck: "tsc" } }) },
      ["npm run typecheck", "npm run lint", "npm test"],
    ],
    [{ "go.mod": "module x" }, ["go vet ./...", "go test ./..."]],
    [{ "pyproject.toml": "" }, ["pytest"]],
    [{ Makefile: "test:\n\ttrue\n" }, ["make test"]],
    [{ "package.json": "{ broken" }, []],
  ])("detects %j", (files, gates) => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    expect(detectGates(dir)).toEqual(gates);
  });
});

describe("process and prompt", () => {
  it("runs programs without a shell and reports exit codes", async () => {
    expect(await run("sh", ["-c", "echo out; echo err >&2; exit 3"])).toEqual({
      stdout: "out\n",
      stderr: "err\n",
      exitCode: 3,
    });
    expect((await run("cat", [], { input: "piped" })).stdout).toBe("piped");
    await expect(run("definitely-not-a-program", [])).rejects.toThrow();
  });

  it("refuses to ask without a terminal", async () => {
    const isTTY = process.stdin.isTTY;
    Object.defineProperty(process.stdin, "isTTY", { value: false, configurable: true });
    try {
      await expect(confirm("Really?")).rejects.toMatchObject({
        exitCode: 2,
        hint: "Pass --force to confirm.",
      });
    } finally {
      Object.defineProperty(process.stdin, "isTTY", { value: isTTY, configurable: true });
    }
  });
});
