// Builds the documentation site with Zensical (`npm run docs`), or serves it (`npm run docs:serve`).
// Zensical comes from PyPI, pinned in requirements-docs.txt, installed into .venv-docs/ when missing
// or when the requirements changed. The build is strict: a warning, a broken link or anchor fails it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const venv = ".venv-docs";
const bin = (name) => join(venv, "bin", name);
const requirements = readFileSync("requirements-docs.txt", "utf8");
const stamp = join(venv, "requirements.txt");

function python() {
  for (const candidate of ["python3.13", "python3.12", "python3.11", "python3"]) {
    const ok = spawnSync(candidate, ["-c", "import sys, venv; sys.exit(sys.version_info < (3, 11))"]);
    if (ok.status === 0) return candidate;
  }
  console.error("docs: Zensical needs Python >= 3.11 with venv (apt-get install python3 python3-venv).");
  process.exit(1);
}

function ensureZensical() {
  if (existsSync(bin("zensical")) && existsSync(stamp) && readFileSync(stamp, "utf8") === requirements)
    return;
  const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (!existsSync(bin("pip"))) run(python(), ["-m", "venv", venv]);
  run(bin("pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", "requirements-docs.txt"]);
  writeFileSync(stamp, requirements);
}

ensureZensical();
const serve = process.argv.includes("--serve");
const args = serve ? ["serve", ...process.argv.slice(3)] : ["build", "--strict", "--clean"];
const result = spawnSync(bin("zensical"), args, { stdio: "inherit" });
process.exit(result.status ?? 1);
