#!/usr/bin/env node
// The `nexus` command: runs the bundled CLI (dist/nexus.cjs) from a V8 code cache, so a command does not
// compile the CLI again on every start. zod and yaml come from their own cached bundle (dist/vendor.cjs),
// loaded only by the commands that need them: required from node_modules they cost ~60 ms, cached ~17 ms
// (`npm run bench`). The caches live in the user's cache folder (the installed package may be read-only),
// keyed by each bundle's size and time; a rejected or missing cache is rewritten.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");
const vm = require("node:vm");
const Module = require("node:module");

const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "nexus");

/** Runs one CommonJS bundle from its code cache and returns its exports. */
function runCached(file, stat, requireFn) {
  const name = path.basename(file, ".cjs");
  const cacheFile = path.join(cacheDir, `${name}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const source = fs.readFileSync(file, "utf8").replace(/^#!.*/, "");
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module_ = { exports: {} };
  script
    .runInThisContext()
    .call(module_.exports, module_.exports, requireFn, module_, file, path.dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    process.once("exit", () => {
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        for (const old of fs.readdirSync(cacheDir))
          if (old.startsWith(`${name}-`) && old.endsWith(".v8cache"))
            fs.rmSync(path.join(cacheDir, old), { force: true });
        fs.writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // A read-only home only costs the cache.
      }
    });
  }
  return module_.exports;
}

/**
 * The bundle's require: zod and yaml from dist/vendor.cjs when it is there. `nexus mcp` keeps
 * node_modules' zod, the one instance the MCP SDK shares with the tools' schemas.
 */
function bundleRequire(bundle) {
  const base = Module.createRequire(bundle);
  const vendorFile = path.join(path.dirname(bundle), "vendor.cjs");
  let vendorStat;
  try {
    if (process.argv[2] !== "mcp") vendorStat = fs.statSync(vendorFile);
  } catch {}
  if (!vendorStat) return base;
  let vendor;
  const nexusRequire = (id) => {
    if (id !== "zod" && id !== "yaml") return base(id);
    vendor ??= runCached(vendorFile, vendorStat, base);
    return vendor[id];
  };
  return Object.assign(nexusRequire, base);
}

const bundle = path.join(__dirname, "..", "dist", "nexus.cjs");
let stat;
try {
  stat = fs.statSync(bundle);
} catch {}
// Without the bundle (a checkout after `tsc` alone) the ES module build runs.
if (stat) runCached(bundle, stat, bundleRequire(bundle));
else import(path.join(__dirname, "..", "dist", "cli.js"));
