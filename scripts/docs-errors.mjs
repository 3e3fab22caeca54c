// Generates the error catalogue in docs/troubleshooting.md: every error category declared in
// src/core/errors.ts, and for each, the messages Nexus raises with it (`new NexusError(...)`,
// `new UsageError(...)`, `new NotFoundError(...)` anywhere in src/), read statically with the
// TypeScript parser. Interpolated parts of a message show as `…`. The categories, their exit codes
// and meanings come from the error table itself (CATEGORIES in src/core/errors.ts, built to dist/).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { cell, code } from "./docs-lib.mjs";

const CLASSES = {
  NexusError: { category: "internal" },
  UsageError: { category: "validation" },
  NotFoundError: { category: "not_found" },
  CommandNotFoundError: { category: "validation", exit: "127 (pass-through)" },
};

function constants(source) {
  const found = new Map();
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      found.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** A message or hint expression as text, with `…` for what is only known at run time. */
function pattern(node, consts, depth = 0) {
  if (!node || depth > 4) return "…";
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return node.head.text + node.templateSpans.map((s) => `…${s.literal.text}`).join("");
  if (ts.isParenthesizedExpression(node)) return pattern(node.expression, consts, depth + 1);
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return pattern(node.left, consts, depth + 1) + pattern(node.right, consts, depth + 1);
  if (ts.isConditionalExpression(node))
    return `${pattern(node.whenTrue, consts, depth + 1)} / ${pattern(node.whenFalse, consts, depth + 1)}`;
  if (ts.isIdentifier(node) && consts.has(node.text))
    return pattern(consts.get(node.text), consts, depth + 1);
  return "…";
}

function property(object, name) {
  if (!object || !ts.isObjectLiteralExpression(object)) return undefined;
  const found = object.properties.find((p) => p.name && p.name.getText() === name);
  if (!found) return undefined;
  return ts.isPropertyAssignment(found) ? found.initializer : found.name;
}

function entry(node, consts, file, table) {
  const kind = CLASSES[node.expression.text];
  const [message, second] = node.arguments ?? [];
  const isBase = node.expression.text === "NexusError" || node.expression.text === "CommandNotFoundError";
  const categoryNode = isBase ? property(second, "category") : undefined;
  const category = categoryNode
    ? ts.isStringLiteral(categoryNode)
      ? categoryNode.text
      : "(varies)"
    : kind.category;
  return {
    category,
    message: pattern(message, consts),
    hint: second ? pattern(isBase ? property(second, "hint") : second, consts) : "",
    exit: kind.exit ?? table[category]?.exitCode ?? "by category",
    file,
  };
}

/** Every error raised in src/ with a message that says something (not only `…`). */
export function collectErrors(root, table) {
  const files = readdirSync(join(root, "src"), { recursive: true })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.includes("test-helper"))
    .sort();
  const out = [];
  for (const file of files) {
    const text = readFileSync(join(root, "src", file), "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const consts = constants(source);
    const visit = (node) => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && CLASSES[node.expression.text])
        out.push(entry(node, consts, `src/${file}`, table));
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out.filter((e) => e.message.replace(/[^A-Za-z]/g, "").length >= 3);
}

function rows(list) {
  const seen = new Set();
  return list
    .filter((e) => !seen.has(`${e.message}\n${e.hint}`) && seen.add(`${e.message}\n${e.hint}`))
    .sort((a, b) => a.message.localeCompare(b.message))
    .map(
      (e) =>
        `| ${cell(code(e.message))} | ${cell(e.hint ? code(e.hint) : "—")} | ${e.exit} | ${code(e.file.slice(4))} |`,
    );
}

/** The exit-code table: one row per code, the categories that exit with it, then the pass-through. */
export function renderExitCodes({ CATEGORIES, PassThroughExit }) {
  const byCode = new Map([[0, ["success"]]]);
  for (const [category, { exitCode }] of Object.entries(CATEGORIES))
    byCode.set(exitCode, [...(byCode.get(exitCode) ?? []), code(category)]);
  const rows = [...byCode].sort(([a], [b]) => a - b).map(([c, names]) => `| ${c} | ${names.join(", ")} |`);
  const passThrough = [
    `| ${PassThroughExit.commandNotFound} | pass-through: the command given to \`workspace exec\`/\`shell\` could not start |`,
    `| ${PassThroughExit.SIGINT} / ${PassThroughExit.SIGTERM} | pass-through: Nexus was stopped by Ctrl-C (SIGINT) / SIGTERM, after undoing what it had made |`,
    `| ${PassThroughExit.SIGKILL} | pass-through: a command run in a workspace was still running at its timeout and was killed |`,
    "| other | pass-through: `workspace exec`, `shell` and `use` exit with the command's own exit code |",
  ];
  return ["| exit code | categories |", "|---|---|", ...rows, ...passThrough].join("\n");
}

/** The catalogue block: one section per category, one row per distinct message. */
export function renderErrors(root, { CATEGORIES }) {
  const all = collectErrors(root, CATEGORIES);
  const declared = Object.keys(CATEGORIES);
  const extra = [...new Set(all.map((e) => e.category))].filter((c) => !declared.includes(c));
  return [...declared, ...extra]
    .flatMap((category) => {
      const list = all.filter((e) => e.category === category);
      const head = [
        `### ${category}`,
        "",
        CATEGORIES[category]?.meaning ?? "Raised where the category is computed at run time.",
        "",
      ];
      if (!list.length) return [...head, "No message in `src/` is raised with this category directly.", ""];
      return [...head, "| message | hint | exit | raised in |", "|---|---|---|---|", ...rows(list), ""];
    })
    .join("\n");
}
