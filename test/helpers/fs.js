import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect } from "vitest";

const testCleanups = [];
const fileCleanups = [];
afterEach(() => {
  while (testCleanups.length) testCleanups.pop()();
});
afterAll(() => {
  while (fileCleanups.length) fileCleanups.pop()();
});
/** Made inside a test: undone after it. Made in beforeAll: undone after the file. */
const cleanups = {
  push: (fn) => (expect.getState().currentTestName ? testCleanups : fileCleanups).push(fn),
};
/** A real temporary directory, removed after the test. */
export function tempDir(prefix = "nexus-test-") {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
export function git(cwd, ...args) {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
/** A real git repository on branch main with one commit, user set and gc off. */
export function gitRepo(files = { "README.md": "# test\n" }) {
  const dir = tempDir("nexus-repo-");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.email", "test@nexus.dev");
  git(dir, "config", "user.name", "Nexus Test");
  git(dir, "config", "gc.auto", "0");
  for (const [name, content] of Object.entries(files)) {
    execFileSync("sh", ["-c", 'mkdir -p "$(dirname "$1")" && printf "%s" "$2" > "$1"', "sh", name, content], {
      cwd: dir,
    });
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return dir;
}
/** Points NEXUS_HOME and HOME at a temp dir so SSH keys and config never touch the real ones. */
export function isolatedHome() {
  const home = tempDir("nexus-home-");
  const saved = { HOME: process.env.HOME, NEXUS_HOME: process.env.NEXUS_HOME };
  process.env.HOME = home;
  process.env.NEXUS_HOME = join(home, ".nexus");
  cleanups.push(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  return home;
}
//# sourceMappingURL=fs.js.map
