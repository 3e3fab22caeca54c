import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, tempDir } from "./helpers/fs.js";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist/cli.js");
const MARK = "<!-- runnable -->";

/** The pages of a navigation section of zensical.toml, in order. */
function pagesOf(section: string): string[] {
  const toml = readFileSync(join(root, "zensical.toml"), "utf8");
  const start = toml.indexOf(`{ "${section}" = [`);
  const end = toml.indexOf("] }", start);
  return [...toml.slice(start, end).matchAll(/"([\w/-]+\.md)"/g)].map((m) => m[1]!);
}

/** The fenced bash blocks marked runnable (the marker on the line before the fence). */
function runnableBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== MARK) continue;
    if (lines[i + 1] !== "```bash")
      throw new Error(`line ${i + 2}: a runnable marker must precede a \`\`\`bash fence`);
    const end = lines.indexOf("```", i + 2);
    blocks.push(lines.slice(i + 2, end).join("\n"));
  }
  return blocks;
}

const pages = [...pagesOf("Getting Started"), ...pagesOf("User Guide")];
const examples = pages.map((page) => ({
  page,
  blocks: runnableBlocks(readFileSync(join(root, "docs", page), "utf8")),
}));
const docker = await dockerAvailable();

/** A fresh HOME (git identity only, as a user's), `nexus` on PATH, and a fresh Node.js repository. */
function freshUser(): { env: NodeJS.ProcessEnv; repo: string } {
  const home = tempDir("nexus-docs-home-");
  writeFileSync(join(home, ".gitconfig"), "[user]\n\tname = Docs Reader\n\temail = reader@example.com\n");
  mkdirSync(join(home, "bin"));
  writeFileSync(join(home, "bin", "nexus"), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(join(home, "bin", "nexus"), 0o755);
  const pkg = { name: "docs-example", private: true, scripts: { test: 'node -e "console.log(1 + 1)"' } };
  const dir = gitRepo({ "package.json": `${JSON.stringify(pkg, null, 2)}\n`, "README.md": "# example\n" });
  const vars = { ...process.env, HOME: home, NEXUS_HOME: join(home, ".nexus"), NO_COLOR: "1" };
  return { env: { ...vars, PATH: `${join(home, "bin")}:${process.env.PATH}` }, repo: dir };
}

const bash = (script: string, cwd: string, vars: NodeJS.ProcessEnv) =>
  promisify(execFile)("bash", ["-c", script], { cwd, env: vars, timeout: 900_000, maxBuffer: 64 << 20 });

/** Whatever an example left running (a failed block stops before its cleanup) is destroyed. */
async function destroyAll(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const { stdout } = await bash("nexus workspace list --json", repo, env);
    const { workspaces } = JSON.parse(stdout) as { workspaces: { name: string }[] };
    for (const ws of workspaces)
      await bash(`nexus workspace destroy ${ws.name} --force --delete-branch`, repo, env).catch(() => {});
  } catch {
    // Never hide the example's own failure behind one of the cleanup.
  }
}

describe("the documentation's runnable examples", () => {
  it("exist on every Getting Started page", () => {
    for (const page of pagesOf("Getting Started"))
      expect(examples.find((e) => e.page === page)!.blocks.length, page).toBeGreaterThan(0);
  });

  it.skipIf(!docker)("all run, in order, in a fresh repository with a fresh HOME", async () => {
    const { env, repo } = freshUser();
    try {
      await runPages(repo, env);
    } finally {
      await destroyAll(repo, env);
    }
  });
});

async function runPages(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (const { page, blocks } of examples) {
    if (!blocks.length) continue;
    // A page's blocks share one shell, as a reader's terminal would (a variable set in one is used later).
    const steps = blocks.map((block, n) => `echo "==> docs/${page}, runnable block ${n + 1}" >&2\n${block}`);
    const run = await bash(`set -euo pipefail\ncd "${repo}"\n${steps.join("\n")}`, repo, env).catch((e) => e);
    const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.slice(-4000);
    expect(run.code ?? 0, `docs/${page} failed:\n${output}`).toBe(0);
  }
}
