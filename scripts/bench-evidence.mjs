// Signed evidence (issue 18), in-process timings of the built code:
//   1. what signing adds to `task complete`: finding the key (one git call), `ssh-keygen -Y sign`,
//      and listing the key in .nexus/allowed_signers. Target: < 30 ms.
//   2. verifying one signed record: in-process (Ed25519, node:crypto) against `ssh-keygen -Y verify`,
//      the reason the hand-written check exists (an import of a merged tasks.jsonl verifies every done task).
//   npm run bench   (or: npm run build && node scripts/bench-evidence.mjs)   BENCH_RUNS (20)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, saveResults } from "./bench-lib.mjs";

const runs = Number(process.env.BENCH_RUNS ?? 20);
const dir = mkdtempSync(join(tmpdir(), "nexus-bench-evidence-"));
process.env.NEXUS_HOME = join(dir, "home");
const repo = join(dir, "repo");
execFileSync("git", ["init", "-q", "-b", "main", repo]);
execFileSync("git", ["config", "user.email", "bench@nexus.dev"], { cwd: repo });
execFileSync("mkdir", ["-p", join(repo, ".nexus")]);

const { allowSigner, evidencePayload, loadSigner, loadTrust, signatureVerifies, signPayload } = await import(
  "../dist/tasks/evidence.js"
);
const paths = { nexusDir: join(repo, ".nexus") };
const event = (i) => ({
  id: `e${i}`,
  at: new Date().toISOString(),
  by: "bench",
  type: "gates_passed",
  to: "done",
  commit: "0".repeat(40),
  checks: ["npm test"],
  results: [{ command: "npm test", exitCode: 0, durationMs: 1, outputTail: "" }],
});

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

try {
  await allowSigner(paths, await loadSigner(repo)); // the first use makes the key: not what is measured
  const signing = [];
  const signed = [];
  for (let i = 0; i < runs; i++)
    signing.push(
      await timed(async () => {
        const signer = await loadSigner(repo);
        const e = { ...event(i), signer: signer.principal };
        signed.push({ ...e, signature: await signPayload(signer, evidencePayload("nx-1", e)) });
        allowSigner(paths, signer);
      }),
    );
  const trust = loadTrust(paths, []);
  const inProcess = signed.map((e) => {
    const started = performance.now();
    if (!signatureVerifies(trust, "nx-1", e)) throw new Error("a signature did not verify");
    return performance.now() - started;
  });
  const reference = signed.map((e) => {
    writeFileSync(
      join(dir, "sig"),
      `-----BEGIN SSH SIGNATURE-----\n${e.signature.match(/.{1,70}/g).join("\n")}\n-----END SSH SIGNATURE-----\n`,
    );
    const started = performance.now();
    execFileSync(
      "ssh-keygen",
      [
        "-Y",
        "verify",
        "-f",
        join(repo, ".nexus/allowed_signers"),
        "-I",
        e.signer,
        "-n",
        "nexus-evidence",
        "-s",
        join(dir, "sig"),
      ],
      {
        input: evidencePayload("nx-1", e),
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    return performance.now() - started;
  });
  const row = (name, samples, target) => {
    const medianMs = Math.round(median(samples) * 100) / 100;
    console.log(
      `${name.padEnd(52)} median ${String(medianMs).padStart(7)} ms${target ? `  (target < ${target} ms) ${medianMs < target ? "PASS" : "FAIL"}` : ""}`,
    );
    return { name, medianMs, runs: samples.length, targetMs: target ?? Number.POSITIVE_INFINITY };
  };
  console.log(`\nSigned evidence, ${runs} runs`);
  const results = [
    row("signing added to task complete (key, sign, list)", signing, 30),
    row("verify one record in-process (Ed25519)", inProcess),
    row("verify one record with ssh-keygen -Y verify", reference),
  ];
  saveResults("evidence", {
    runs,
    results: results.map((r) => ({ ...r, targetMs: Number.isFinite(r.targetMs) ? r.targetMs : 1e9 })),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
