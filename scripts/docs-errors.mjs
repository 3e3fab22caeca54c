// Generates the error catalogue in docs/troubleshooting.md: every error category declared in
// src/core/errors.ts, and for each, the messages Nexus raises with it (`new NexusError(...)`,
// `new UsageError(...)`, `new NotFoundError(...)` anywhere in src/), read statically with the
// TypeScript parser. Interpolated parts of a message show as `…`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { cell, code } from "./docs-lib.mjs";

const CLASSES = {
  NexusError: { category: "internal", exit: 1 },
  UsageError: { category: "validation", exit: 2 },
  NotFoundError: { category: "not_found", exit: 1 },
};

const MEANING = {
  validation: "A name, value, option or file the user gave is not acceptable. Nothing was changed.",
  not_found: "A workspace, task, template or file that was named does not exist.",
  conflict:
    "The operation contradicts the current state: a name in use, a task in the wrong state, a lease held.",
  docker_unavailable: "The Docker Engine or Compose v2 cannot be reached or is too old.",
  docker: "Docker or Compose refused or failed an operation.",
  git: "A git operation (worktree, branch, merge) failed.",
  port_conflict: "No free host port, or a port is taken by another program.",
  config: "`.nexus/config.yaml`, a template or a devcontainer.json is invalid.",
  timeout: "Something did not become ready or finish in time.",
  sync: "Uploading telemetry to the configured collector failed.",
  gate_failed: "A task's checks failed (recorded in telemetry; the command reports the failing checks).",
  internal: "Anything else; an error that is not a NexusError prints its stack and asks to be reported.",
};

/** The categories, in the order src/core/errors.ts declares them. */
export function categories(root) {
  const text = readFileSync(join(root, "src/core/errors.ts"), "utf8");
  const union = text.match(/export type ErrorCategory =([^;]+);/);
  if (!union) throw new Error("src/core/errors.ts: ErrorCategory not found");
  return [...union[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

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

function entry(node, consts, file) {
  const kind = CLASSES[node.expression.text];
  const [message, second] = node.arguments ?? [];
  const isBase = node.expression.text === "NexusError";
  const categoryNode = isBase ? property(second, "category") : undefined;
  const exitNode = isBase ? property(second, "exitCode") : undefined;
  const exitText = exitNode?.getText() ?? "";
  return {
    category: categoryNode
      ? ts.isStringLiteral(categoryNode)
        ? categoryNode.text
        : "(varies)"
      : kind.category,
    message: pattern(message, consts),
    hint: second ? pattern(isBase ? property(second, "hint") : second, consts) : "",
    exit:
      exitText === "2" || exitText.endsWith(".usage")
        ? 2
        : exitNode
          ? exitText === "1"
            ? 1
            : "1 or 2"
          : kind.exit,
    file,
  };
}

/** Every error raised in src/ with a message that says something (not only `…`). */
export function collectErrors(root) {
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
        out.push(entry(node, consts, `src/${file}`));
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

/** The catalogue block: one section per category, one row per distinct message. */
export function renderErrors(root) {
  const all = collectErrors(root);
  const declared = categories(root);
  const extra = [...new Set(all.map((e) => e.category))].filter((c) => !declared.includes(c));
  return [...declared, ...extra]
    .flatMap((category) => {
      const list = all.filter((e) => e.category === category);
      const head = [
        `### ${category}`,
        "",
        MEANING[category] ?? "Raised where the category is computed at run time.",
        "",
      ];
      if (!list.length) return [...head, "No message in `src/` is raised with this category directly.", ""];
      return [...head, "| message | hint | exit | raised in |", "|---|---|---|---|", ...rows(list), ""];
    })
    .join("\n");
}
