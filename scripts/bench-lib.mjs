// Shared by the benchmark scripts: run whole `nexus` processes, take medians, print and judge them.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const cli = resolve("bin/nexus.cjs"); // the installed `nexus` command: bundle + code cache

/** Runs `nexus ARGS` in `cwd` with `env`; returns its wall time in ms, throws on failure. */
export function nexusTimer(cwd, env) {
  return (...args) => {
    const started = performance.now();
    const result = spawnSync("node", [cli, ...args], {
      cwd,
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = performance.now() - started;
    if (result.status !== 0)
      throw new Error(`nexus ${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
    return ms;
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median, min and max of samples in ms, rounded. */
export function summary(samples) {
  return {
    medianMs: Math.round(median(samples)),
    minMs: Math.round(Math.min(...samples)),
    maxMs: Math.round(Math.max(...samples)),
    runs: samples.length,
  };
}

/** Prints one measured line against an absolute target (ms) and returns it as a result. */
export function report(name, target, samples) {
  const result = { name, ...summary(samples), samples: samples.map(Math.round), targetMs: target };
  console.log(
    `${name.padEnd(44)} median ${String(result.medianMs).padStart(6)} ms  (min ${result.minMs}, max ${result.maxMs}, target < ${target} ms) ${result.medianMs < target ? "PASS" : "FAIL"}`,
  );
  return result;
}

/**
 * Nexus against another tool measured in the same runs: medians, min/max and the ratio of medians,
 * judged against `maxRatio` (Nexus ≤ maxRatio × other).
 */
export function compare(name, maxRatio, nexusSamples, otherSamples, otherName) {
  const nexus = summary(nexusSamples);
  const other = summary(otherSamples);
  const ratio = Math.round((nexus.medianMs / other.medianMs) * 100) / 100;
  const pass = ratio <= maxRatio;
  const line = (who, s) =>
    `  ${who.padEnd(26)} median ${String(s.medianMs).padStart(6)} ms  (min ${s.minMs}, max ${s.maxMs})`;
  console.log(`${name}`);
  console.log(line("nexus", nexus));
  console.log(line(otherName, other));
  console.log(`  ratio ${ratio.toFixed(2)} (target ≤ ${maxRatio}) ${pass ? "PASS" : "FAIL"}`);
  return {
    name,
    nexus: { ...nexus, samples: nexusSamples.map(Math.round) },
    [otherName]: { ...other, samples: otherSamples.map(Math.round) },
    ratio,
    maxRatio,
    pass,
  };
}

/** Runs `fn` `runs` times and prints the median against its target. */
export function measure(name, target, runs, fn) {
  if (typeof fn !== "function" || !Number.isInteger(runs))
    throw new TypeError(`measure(${name}): expected (name, target, runs, fn)`);
  const samples = Array.from({ length: runs }, (_, i) => fn(i));
  const result = {
    name,
    medianMs: Math.round(median(samples)),
    minMs: Math.round(Math.min(...samples)),
    maxMs: Math.round(Math.max(...samples)),
    runs,
    targetMs: target,
  };
  console.log(
    `${name.padEnd(44)} median ${String(result.medianMs).padStart(6)} ms  (min ${result.minMs}, max ${result.maxMs}, target < ${target} ms) ${result.medianMs < target ? "PASS" : "FAIL"}`,
  );
  return result;
}

/** Writes bench-results/NAME.json and fails the process when a target was missed. */
export function saveResults(name, data) {
  mkdirSync("bench-results", { recursive: true });
  writeFileSync(
    `bench-results/${name}.json`,
    `${JSON.stringify({ date: new Date().toISOString(), ...data }, null, 2)}\n`,
  );
  if (data.results.some((r) => r.medianMs >= r.targetMs)) process.exitCode = 1;
  if (data.comparisons?.some((c) => !c.pass)) process.exitCode = 1;
}
