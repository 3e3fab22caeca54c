// Import cycles in src/ (static imports, re-exports and lazy import() alike), by file and by top folder.
// Run by `npm run lint` (exit 1 when a cycle exists): layers point one way, see docs/dev/architecture.md.
// Usage: node scripts/import-cycles.mjs [src]. The team's tool (shared/tools/import-cycles.mjs), adapted.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "src");
const files = [];
(function walk(d) {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts)$/.test(e) && !/\.test\.|test-helper|\.d\.ts$/.test(e)) files.push(p);
  }
})(root);
const known = new Set(files);
const edges = new Map();
const re = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
for (const f of files) {
  const out = new Set();
  for (const m of readFileSync(f, "utf8").matchAll(re)) {
    const spec = m[1] ?? m[2];
    const base = resolve(dirname(f), spec).replace(/\.js$/, "");
    for (const c of [`${base}.ts`, `${base}/index.ts`]) if (known.has(c)) out.add(c);
  }
  edges.set(f, out);
}
function cycles(nodes, next) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next(n)) {
      if (state.get(m) === 1) found.push(stack.slice(stack.indexOf(m)).concat(m));
      else if (!state.get(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of nodes) if (!state.get(n)) visit(n);
  return found;
}
const rel = (f) => relative(root, f);
const fileCycles = cycles(files, (f) => edges.get(f));
const top = (f) => rel(f).split("/")[0].replace(/\.ts$/, "");
const folders = new Map();
for (const [f, out] of edges)
  for (const g of out) {
    if (top(f) === top(g)) continue;
    if (!folders.has(top(f))) folders.set(top(f), new Set());
    folders.get(top(f)).add(top(g));
  }
const folderCycles = cycles([...folders.keys()], (d) => folders.get(d) ?? []);
// Inside workspace/: setup/ may use environment/ and engine/, environment/ may use engine/, never back.
const order = ["workspace/engine/", "workspace/environment/", "workspace/setup/"];
const layer = (f) => order.findIndex((o) => rel(f).startsWith(o));
for (const [f, out] of edges)
  for (const g of out)
    if (layer(f) >= 0 && layer(g) > layer(f)) folderCycles.push([`${rel(f)} (upward)`, rel(g)]);
for (const c of fileCycles) console.log(`file cycle: ${c.map(rel).join(" -> ")}`);
for (const c of folderCycles) console.log(`folder cycle: ${c.join(" -> ")}`);
console.log(`file_cycles=${fileCycles.length} folder_cycles=${folderCycles.length}`);
process.exit(fileCycles.length + folderCycles.length ? 1 : 0);
