#!/usr/bin/env node
// The `nexus` command: runs the bundled CLI (dist/nexus.cjs) from a V8 code cache, so a command does not
// compile the CLI again on every start. The cache lives in the user's cache folder (the installed package
// may be read-only) and is keyed by the bundle's size and time; a rejected or missing cache is rewritten.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const os = require("node:os");
const vm = require("node:vm");
const Module = require("node:module");

function runBundle(bundle, stat) {
  const cacheDir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "nexus");
  const cacheFile = path.join(cacheDir, `nexus-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const source = fs.readFileSync(bundle, "utf8").replace(/^#!.*/, "");
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  const exports = {};
  const module_ = { exports };
  const run = script.runInThisContext();
  run.call(exports, exports, Module.createRequire(bundle), module_, bundle, path.dirname(bundle));
  if (cachedData && !script.cachedDataRejected) return;
  process.once("exit", () => {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(cacheFile, script.createCachedData());
    } catch {
      // A read-only home only costs the cache.
    }
  });
}

const bundle = path.join(__dirname, "..", "dist", "nexus.cjs");
let stat;
try {
  stat = fs.statSync(bundle);
} catch {}
// Without the bundle (a checkout after `tsc` alone) the ES module build runs.
if (stat) runBundle(bundle, stat);
else import(path.join(__dirname, "..", "dist", "cli.js"));
