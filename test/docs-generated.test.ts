import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

describe("generated documentation pages", () => {
  it("are current: regenerated in memory, they equal the committed files", () => {
    const result = spawnSync(process.execPath, ["scripts/docs-generate.mjs", "--check"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("document every visible command with an example", () => {
    const cli = readFileSync(`${root}docs/cli.md`, "utf8");
    const help = execFileSync(process.execPath, ["dist/cli.js", "workspace", "--help"], {
      cwd: root,
      encoding: "utf8",
    });
    for (const name of ["create", "destroy", "exec", "ports"]) {
      expect(help).toContain(name);
      expect(cli).toContain(`## nexus workspace ${name}`);
    }
    const sections = cli.split("\n## nexus ").slice(1);
    expect(sections.length).toBeGreaterThan(60);
    for (const section of sections) expect(section).toContain("```bash\n");
  });

  it("list every error category of src/core/errors.ts in the troubleshooting page", async () => {
    const { CATEGORIES } = await import(`${root}dist/core/errors.js`);
    const page = readFileSync(`${root}docs/troubleshooting.md`, "utf8");
    const declared = Object.entries(CATEGORIES as Record<string, { exitCode: number }>);
    expect(declared.length).toBeGreaterThan(5);
    for (const [category, { exitCode }] of declared) {
      expect(page).toContain(`### ${category}\n`);
      expect(page).toMatch(new RegExp(`\\| ${exitCode} \\|[^\\n]*\`${category}\``));
    }
    expect(page).toContain("No free host port left in …-….");
  });

  it("fail when a command has no example", async () => {
    const script = `
      import { Command } from "commander";
      import { renderCli } from "./scripts/docs-cli.mjs";
      const program = new Command("nexus");
      program.command("new-thing").description("x");
      try { renderCli(program, {}); } catch (e) { console.log(e.message); process.exit(3); }`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
    });
    expect(result.status).toBe(3);
    expect(result.stdout).toContain("no example for: nexus new-thing");
  });
});
