import { gitRaw } from "../core/git.js";
import type { TreeAccess } from "../workspace/tree-access.js";
import { OWN_FILES } from "./gates.js";

/**
 * The files a project's checks depend on, by ecosystem: changing one of these in a task's own change
 * (rewriting the test, `"test": "true"`) could make its checks pass without the work being done, so
 * such a task needs a review by someone else. `tasks.check_files` in .nexus/config.yaml replaces it.
 */
export const DEFAULT_CHECK_FILES = [
  "**/test/**",
  "**/tests/**",
  "**/__tests__/**",
  "**/spec/**",
  "**/*.test.*",
  "**/*.spec.*",
  "**/*_test.go",
  "**/test_*.py",
  "**/*_test.py",
  "**/conftest.py",
  "**/pytest.ini",
  "**/tox.ini",
  "**/noxfile.py",
  "**/jest.config.*",
  "**/vitest.config.*",
  "**/karma.conf.*",
  "**/.mocharc*",
  "**/Makefile",
  "**/*.mk",
  "**/justfile",
  "**/Taskfile.y*ml",
  ".github/workflows/**",
  ".gitlab-ci.yml",
  ".circleci/**",
  ".ci/**",
  "Jenkinsfile",
  ".nexus/allowed_signers",
];

/**
 * Nexus's own files, committed on a task's branch: whatever merges them changes the project's tasks
 * (their checks and history), gates, `allow` entries or these very globs. Nexus writes them in the
 * main checkout, never on a branch, so a branch that commits one is the agent's doing.
 */
const NEXUS_FILES = [".nexus/tasks.jsonl", ".nexus/config.yaml"];

const INTERPRETERS = /^(sh|bash|zsh|dash|python[0-9.]*|node|deno|bun|ruby|perl|php|pwsh|tsx|ts-node)$/;

/**
 * Scripts a check runs that exist in the tree: `./scripts/test.sh`, `bash ci/check.sh`,
 * `python tools/t.py`. Files a check only reads (`grep -q yes fixed.txt`) are the work itself.
 */
async function scriptsNamed(checks: string[], tree: TreeAccess): Promise<string[]> {
  const found = new Set<string>();
  for (const segment of checks.flatMap((c) => c.split(/[;&|()\n]+/))) {
    const words = segment
      .trim()
      .split(/\s+/)
      .filter((w) => w && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    const [first, ...rest] = words;
    if (!first) continue;
    const script = INTERPRETERS.test(first)
      ? rest.find((w) => !w.startsWith("-"))
      : first.includes("/")
        ? first
        : undefined;
    const path = script?.replace(/^['"]|['"]$/g, "").replace(/^\.\//, "");
    if (path && !path.startsWith("/") && !path.split("/").includes("..") && (await tree.exists(path)))
      found.add(path);
  }
  return [...found];
}

/**
 * The files the checks depend on that the task's change touched: everything that differs between
 * the tree in `dir` (committed, staged, unstaged and untracked) and `base`, matched against the
 * globs and the scripts the checks name. package.json counts only when its `scripts` changed.
 */
export async function touchedCheckFiles(options: {
  tree: TreeAccess;
  base: string;
  checks: string[];
  globs: string[];
}): Promise<string[]> {
  const { tree, base } = options;
  // Committed on the branch, then what is not committed yet: Nexus's own uncommitted files excepted.
  const [committed, diff, untracked] = await Promise.all([
    tree.git(["diff", "--name-only", "--no-renames", base, "HEAD", "--"]),
    tree.git(["diff", "--name-only", "--no-renames", "HEAD", "--", ".", ...OWN_FILES]),
    tree.git(["ls-files", "--others", "--exclude-standard", "--", ".", ...OWN_FILES]),
  ]);
  const onBranch = committed.stdout.split("\n").filter(Boolean);
  const changed = [...onBranch, ...[diff, untracked].flatMap((r) => r.stdout.split("\n"))].filter(Boolean);
  if (!changed.length) return [];
  const { default: picomatch } = await import("picomatch");
  const matches = picomatch(options.globs, { dot: true });
  const named = new Set(await scriptsNamed(options.checks, tree));
  const touched = changed.filter((file) => matches(file) || named.has(file));
  touched.push(...onBranch.filter((file) => NEXUS_FILES.includes(file)));
  const manifests = changed.filter((f) => f === "package.json" || f.endsWith("/package.json"));
  for (const manifest of manifests)
    if (await scriptsChanged(tree, base, manifest)) touched.push(`${manifest} (scripts)`);
  return [...new Set(touched)].sort();
}

async function scriptsChanged(tree: TreeAccess, base: string, file: string): Promise<boolean> {
  const before = await tree.git(["show", `${base}:${file}`]);
  const scripts = (text: string | undefined) => {
    try {
      return JSON.stringify(JSON.parse(text ?? "{}").scripts ?? {});
    } catch {
      return "unreadable";
    }
  };
  // Only a regular file is read: a FIFO or a link to /dev/zero the agent made there would never end.
  const now = await tree.read(file);
  return scripts(before.exitCode === 0 ? before.stdout : undefined) !== scripts(now);
}

/**
 * Where the task's change starts: the commit its branch shares with the main checkout's, so the
 * change is everything on the branch plus what is not committed. For a task in the repository
 * itself, that is its uncommitted change.
 */
export async function changeBase(tree: TreeAccess, root: string): Promise<string | undefined> {
  const main = await gitRaw(["rev-parse", "HEAD"], root);
  if (main.exitCode !== 0) return undefined;
  const base = await tree.git(["merge-base", "HEAD", main.stdout.trim()]);
  return base.exitCode === 0 ? base.stdout.trim() : undefined;
}

/**
 * For a task checked by the project's gates: a gate the committed .nexus/config.yaml has that the
 * working one dropped (an uncommitted edit) weakens every such task, so it needs a review.
 */
export async function gatesWeakened(root: string, gates: string[]): Promise<string[]> {
  const committed = await gitRaw(["show", "HEAD:.nexus/config.yaml"], root);
  if (committed.exitCode !== 0) return [];
  const { parse } = await import("yaml");
  let before: unknown;
  try {
    before = (parse(committed.stdout) as { gates?: unknown } | null)?.gates;
  } catch {
    return [];
  }
  if (!Array.isArray(before)) return [];
  const dropped = before.filter((g) => typeof g === "string" && !gates.includes(g));
  return dropped.length ? [`.nexus/config.yaml (gates removed, not committed: ${dropped.join(" ; ")})`] : [];
}
