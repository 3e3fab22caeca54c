import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

const cli = new URL("../dist/cli.js", import.meta.url).pathname;
let repo: string;
let bin: string;
let taskId: string;

/** A `nexus` on PATH that runs this build, as an installed one would. */
function shim(): string {
  const dir = join(tempDir(), "bin");
  mkdirSync(dir);
  writeFileSync(join(dir, "nexus"), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(join(dir, "nexus"), 0o755);
  return dir;
}

async function script(shell: string): Promise<string> {
  const result = await runCli(["completion", shell], repo);
  expect(result.code).toBe(0);
  const file = join(tempDir(), `nexus.${shell}`);
  writeFileSync(file, result.stdout);
  return file;
}

/** Runs bash's completion function on a command line (the cursor at its end) and returns COMPREPLY. */
function complete(file: string, line: string): string[] {
  const words = line.split(" ");
  const program = [
    `source "${file}"`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    "_nexus",
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join("\n");
  const result = spawnSync("bash", ["-c", program], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter(Boolean);
}

beforeAll(async () => {
  isolatedHome();
  repo = gitRepo();
  bin = shim();
  expect((await runCli(["init"], repo)).code).toBe(0);
  expect((await runCli(["workspace", "create", "feature-auth", "-t", "none"], repo)).code).toBe(0);
  const created = await runCli(["task", "create", "Add JWT login", "--check", "true", "--json"], repo);
  taskId = JSON.parse(created.stdout).id;
});

describe("nexus completion bash", () => {
  it("completes commands, aliases and subcommands", async () => {
    const file = await script("bash");
    expect(complete(file, "nexus w")).toEqual(["workspace", "ws"]);
    expect(complete(file, "nexus ws cr")).toEqual(["create"]);
    expect(complete(file, "nexus -q task sh")).toEqual(["show"]);
    expect(complete(file, "nexus completion ")).toEqual(["bash", "zsh", "fish"]);
  });

  it("completes options, and option values", async () => {
    const file = await script("bash");
    expect(complete(file, "nexus workspace create x --t")).toEqual(["--template"]);
    expect(complete(file, "nexus workspace create x --template ")).toEqual(
      expect.arrayContaining(["node-postgres", "go-postgres", "python-postgres", "none"]),
    );
    expect(complete(file, "nexus task create T -w ")).toEqual(["feature-auth"]);
    expect(complete(file, "nexus task list --status ")).toContain("awaiting_review");
    expect(complete(file, "nexus export --format ")).toEqual(["json", "csv"]);
    expect(complete(file, "nexus sync auto ")).toEqual(["on", "off"]);
  });

  it("completes workspace names and task ids from the repository", async () => {
    const file = await script("bash");
    expect(complete(file, "nexus workspace exec ")).toEqual(["feature-auth"]);
    expect(complete(file, "nexus ws status feat")).toEqual(["feature-auth"]);
    expect(complete(file, "nexus task show ")).toEqual([taskId]);
    expect(complete(file, `nexus ralph run ${taskId} `)).toEqual([taskId]);
    expect(complete(file, "nexus workspace exec feature-auth -- ")).toEqual([]);
  });

  it("refuses an unknown shell, and lists nothing for an unknown kind", async () => {
    const bad = await runCli(["completion", "tcsh"], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('<shell> must be one of bash, zsh, fish, got "tcsh".');
    expect(bad.stderr).toContain("hint: For example: source <(nexus completion bash)");
    const list = await runCli(["completion", "--list", "nothing"], repo);
    expect(list).toMatchObject({ code: 0, stdout: "" });
  });
});

const has = (shell: string) => spawnSync(shell, ["-c", "true"]).status === 0;

describe.skipIf(!has("zsh"))("nexus completion zsh", () => {
  it("loads in zsh", async () => {
    const file = await script("zsh");
    const result = spawnSync("zsh", ["-f", "-c", `source "${file}" && whence -w _nexus`], {
      encoding: "utf8",
    });
    expect(result.stdout).toContain("function");
  });
});

describe.skipIf(!has("fish"))("nexus completion fish", () => {
  it("completes subcommands and task ids in fish", async () => {
    const file = await script("fish");
    const run = (line: string) =>
      spawnSync("fish", ["--no-config", "-c", `source "${file}"; complete -C '${line}'`], {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      }).stdout;
    expect(run("nexus ws cr")).toContain("create");
    expect(run("nexus task show ")).toContain(taskId);
  });
});
