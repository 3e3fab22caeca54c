/**
 * Untrusted text (task titles, notes, check output, agent output, container output) made safe to
 * print: every character a terminal would act on instead of showing is replaced by its escape in
 * JavaScript string notation, so it is seen, never obeyed.
 *
 * - C0 controls and DEL: `\x1b` (ESC), `\x07` (BEL), `\x00` (NUL)...; tab, line feed and carriage
 *   return as `\t`, `\n`, `\r`.
 * - C1 controls (U+0080-U+009F), the bidi embeddings, overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069) and the line and paragraph separators (U+2028, U+2029): `\u009b`, `\u202e`...
 *
 * A backslash is left as it is, so a text that literally contains `\x1b` looks the same as one that
 * contains ESC; `--json` output is exact where the difference matters.
 */

const C0_AND_OTHERS =
  "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029";
/** Everything, line feed and tab included: one line of text (a table cell, a title). */
const ONE_LINE = new RegExp(`[\\t\\n${C0_AND_OTHERS}]`, "g");
/** A multi-line body keeps its line feeds and tabs; a carriage return is still shown, never obeyed. */
const MULTI_LINE = new RegExp(`[${C0_AND_OTHERS}]`, "g");
/** The only escape sequences Nexus's own colours use (bold, dim, red, green, yellow and their ends). */
const OWN_STYLE = String.raw`\u001b\[(?:1|2|22|31|32|33|39)m`;
const ONE_LINE_STYLED = new RegExp(`(${OWN_STYLE})|[\\t\\n${C0_AND_OTHERS}]`, "g");
const MULTI_LINE_STYLED = new RegExp(`(${OWN_STYLE})|[${C0_AND_OTHERS}]`, "g");

/** Whether a text holds any character a terminal would act on (line feeds and tabs aside). */
export function hasTerminalControl(text: string): boolean {
  return ANY_MULTI_LINE.test(text);
}

const NAMED: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\r": "\\r" };

function shown(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** The common case, plain text, costs one scan and no copy (10,000-row tables stay fast). */
const ANY_ONE_LINE = new RegExp(`[\\t\\n${C0_AND_OTHERS}]`);
const ANY_MULTI_LINE = new RegExp(`[${C0_AND_OTHERS}]`);

/** Untrusted text with its control characters made visible; `multiline` keeps line feeds and tabs. */
export function visible(text: string, options: { multiline?: boolean } = {}): string {
  if (options.multiline) return ANY_MULTI_LINE.test(text) ? text.replace(MULTI_LINE, shown) : text;
  return oneLine(text);
}

/** One line, whatever the text holds: a table cell, a title, a name. */
export function oneLine(text: string): string {
  return ANY_ONE_LINE.test(text) ? text.replace(ONE_LINE, shown) : text;
}

/**
 * What a writer prints: like `visible`, but Nexus's own colour sequences (and only those) pass when
 * colours are on. Untrusted text is made `visible` where it is put in, so this is the second fence.
 */
export function terminalSafe(text: string, options: { multiline: boolean; keepStyle: boolean }): string {
  if (!(options.multiline ? ANY_MULTI_LINE : ANY_ONE_LINE).test(text)) return text;
  const pattern = options.multiline ? MULTI_LINE_STYLED : ONE_LINE_STYLED;
  return text.replace(pattern, (match, own: string | undefined) =>
    own && options.keepStyle ? match : shown(match[0]!) + match.slice(1),
  );
}

/** Characters JSON.stringify leaves raw although a terminal acts on them (it escapes only C0). */
const JSON_RAW = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON with every control character escaped: parsing it gives back exactly the same values (they
 * occur only inside strings), and printing it cannot drive a terminal.
 */
export function safeJson(data: unknown, indent = 2): string {
  return String(JSON.stringify(data, null, indent)).replace(
    JSON_RAW,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
