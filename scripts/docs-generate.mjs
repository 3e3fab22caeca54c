// Writes the generated documentation pages, or with --check only reports which are stale (exit 1).
// Needs a build (dist/): `npm run docs:generate` builds first. test/docs-generated.test.ts runs --check.
import { readFileSync } from "node:fs";
import { renderCli } from "./docs-cli.mjs";
import { examples } from "./docs-cli-examples.mjs";
import { renderErrors, renderExitCodes } from "./docs-errors.mjs";
import { replaceBlock, writeOrCheck } from "./docs-lib.mjs";
import { renderTemplateBlocks } from "./docs-templates.mjs";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");
const { buildProgram } = await import(`${root}dist/program.js`);
const table = await import(`${root}dist/workspace/environment/support-table.js`);
const errors = await import(`${root}dist/core/errors.js`);

function withBlocks(file, blocks) {
  let text = readFileSync(`${root}${file}`, "utf8");
  for (const [name, content] of Object.entries(blocks)) text = replaceBlock(text, name, content);
  return text;
}

const pages = {
  "docs/cli.md": `${renderCli(buildProgram(), examples)}\n`,
  "docs/troubleshooting.md": withBlocks("docs/troubleshooting.md", {
    "exit-codes": renderExitCodes(errors),
    errors: renderErrors(root, errors),
  }),
  "docs/templates.md": withBlocks("docs/templates.md", renderTemplateBlocks(root, table)),
};
const stale = Object.entries(pages)
  .filter(([file, content]) => !writeOrCheck(`${root}${file}`, content, check))
  .map(([file]) => file);
if (check && stale.length) {
  console.error(`Stale generated pages: ${stale.join(", ")}. Run \`npm run docs:generate\` and commit them.`);
  process.exit(1);
}
if (!check) console.error(stale.length ? `Wrote ${stale.join(", ")}` : "Generated pages are current.");
