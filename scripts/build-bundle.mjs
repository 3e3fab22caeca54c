// Bundles the CLI into one CommonJS file (dist/nexus.cjs) that bin/nexus.cjs runs with a V8 code cache.
// Node 20 spends most of a short command resolving and compiling ~45 ES modules; one script with cached
// bytecode starts ~55 ms sooner (scripts/bench-tasks.mjs). Heavy dependencies stay external and load
// lazily, as in the ES module build (dist/cli.js), which tests and the merge driver keep using.
// zod and yaml (~100 and ~70 files) get a cached bundle of their own, dist/vendor.cjs: outside the main
// bundle so short commands that never need them do not read them (bin/nexus.cjs).
import { build } from "esbuild";

const external = [
  "better-sqlite3",
  "zod",
  "yaml",
  "dockerode",
  "docker-modem",
  "@modelcontextprotocol/sdk",
  "@devcontainers/cli",
  "jsonc-parser",
];

await build({
  entryPoints: ["src/cli.ts"],
  outfile: "dist/nexus.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: external.flatMap((name) => [name, `${name}/*`]),
  define: { "import.meta.url": "__nexus_import_meta_url" },
  banner: { js: 'var __nexus_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  // External packages load with require(): import() has no loader inside the cached vm.Script.
  supported: { "dynamic-import": false },
  logLevel: "warning",
});

await build({
  stdin: { contents: 'exports.zod = require("zod");\nexports.yaml = require("yaml");\n', resolveDir: "." },
  outfile: "dist/vendor.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
});
