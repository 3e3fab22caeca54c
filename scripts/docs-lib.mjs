// Shared by the docs generators: generated blocks inside hand-written pages, and writing or checking.
import { readFileSync, writeFileSync } from "node:fs";

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function replaceBlock(text, name, content) {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`no ${open} … ${close} block`);
  return `${text.slice(0, start + open.length)}\n${content.trim()}\n${text.slice(end)}`;
}

/** A Markdown table cell: pipes escaped, one line. */
export function cell(value) {
  return String(value ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
}

/** Inline code that survives backticks inside the value. */
export function code(value) {
  const text = String(value);
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Writes `file` (or, with check, reports whether it differs): returns true when it was current. */
export function writeOrCheck(file, content, check) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {}
  if (current === content) return true;
  if (!check) writeFileSync(file, content);
  return false;
}
