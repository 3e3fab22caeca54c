/** Every line starts with the id (stable key order), so ids are read without parsing JSON. */
const ID_PREFIX = '{"id":"';
const PREFIX = Buffer.from(ID_PREFIX);
const NEWLINE = 10;
const QUOTE = 34;

/**
 * The file is handled as bytes: ids are ASCII, so a write never decodes or re-encodes the
 * 5 MB of a 10,000-task file, it only copies the bytes around the changed lines.
 */
export function idAt(data: Buffer, start: number): string {
  if (data.compare(PREFIX, 0, PREFIX.length, start, start + PREFIX.length) !== 0) return "";
  const from = start + PREFIX.length;
  return data.toString("latin1", from, data.indexOf(QUOTE, from));
}

/** Binary search over the sorted lines: where the line for `id` is, or would go. */
export function locate(data: Buffer, id: string): { start: number; end: number; found: boolean } {
  let lo = 0;
  let hi = data.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = mid === 0 ? 0 : data.lastIndexOf(NEWLINE, mid - 1) + 1;
    const newline = data.indexOf(NEWLINE, start);
    const end = newline < 0 ? data.length : newline + 1;
    if (idAt(data, start) < id) lo = end;
    else hi = start;
  }
  const found = lo < data.length && idAt(data, lo) === id;
  const newline = data.indexOf(NEWLINE, lo);
  return { start: lo, end: found ? (newline < 0 ? data.length : newline + 1) : lo, found };
}

/** Applies changed lines (null = removed) to lines sorted by id, touching only those lines. */
export function spliceLines(data: Buffer, changes: Map<string, string | null>): Buffer {
  // Each splice copies the file: many changes at once (an import) merge in one pass instead.
  if (changes.size > 32) {
    const merged = mergeLines(data, changes);
    if (merged) return merged;
  }
  let out =
    data.length && data[data.length - 1] !== NEWLINE ? Buffer.concat([data, Buffer.from("\n")]) : data;
  for (const [id, line] of changes) {
    const at = locate(out, id);
    const middle = line === null ? Buffer.alloc(0) : Buffer.from(`${line}\n`);
    out = Buffer.concat([out.subarray(0, at.start), middle, out.subarray(at.end)]);
  }
  return out;
}

/**
 * The unchanged lines and the changed ones, sorted by id, in one copy; undefined when a line is not
 * a task line (the splice above keeps such a line where it is).
 */
function mergeLines(data: Buffer, changes: Map<string, string | null>): Buffer | undefined {
  const lines: [string, Buffer][] = [];
  for (let start = 0; start < data.length; ) {
    const newline = data.indexOf(NEWLINE, start);
    const end = newline < 0 ? data.length : newline + 1;
    const id = idAt(data, start);
    if (!id) return undefined;
    if (!changes.has(id))
      lines.push([
        id,
        newline < 0 ? Buffer.concat([data.subarray(start), Buffer.from("\n")]) : data.subarray(start, end),
      ]);
    start = end;
  }
  for (const [id, line] of changes) if (line !== null) lines.push([id, Buffer.from(`${line}\n`)]);
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Buffer.concat(lines.map(([, line]) => line));
}

/** Line numbers of lines that are not task lines (a rewrite would lose them). */
export function badLines(text: string): { line: number; message: string }[] {
  const bad: { line: number; message: string }[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() && !line.startsWith(ID_PREFIX)) bad.push({ line: index + 1, message: "not a task line" });
  });
  return bad;
}
