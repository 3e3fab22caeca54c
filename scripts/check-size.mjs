// Lean-code limits from the product plan: files <= 300 lines, functions <= 50 lines, <= 5 parameters.
// Run by `npm run lint`; test files are exempt from the function limit (describe blocks are long).
import { readdirSync, readFileSync } from "node:fs";
import ts from "typescript";

const problems = [];
const files = readdirSync("src", { recursive: true })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => `src/${f}`);
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const isTest = file.endsWith(".test.ts");
  const lines = text.split("\n").length;
  if (!isTest && lines > 300) problems.push(`${file}: ${lines} lines (max 300)`);
  if (isTest) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText() ?? "(anonymous)";
      if (end - start + 1 > 50)
        problems.push(`${file}:${start + 1} ${name}: ${end - start + 1} lines (max 50)`);
      if (node.parameters.length > 5)
        problems.push(`${file}:${start + 1} ${name}: ${node.parameters.length} parameters (max 5)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
for (const p of problems) console.error(p);
if (problems.length) process.exitCode = 1;
else console.log("size limits ok");
