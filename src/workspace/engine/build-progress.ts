import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeAtomic } from "../../core/atomic.js";
import { NexusError } from "../../core/errors.js";
import { debug, info, isVerbose, oneLine, style, visible } from "../../core/output.js";
import {
  type BuildLog,
  type BuildStep,
  exitCodeOf,
  networkTrouble,
  stepLine,
  truncate,
} from "./build-log.js";

/** A step silent for this long gets a "still running" line: a stuck download is seen, not guessed. */
const QUIET_MS = 30_000;
const COMMAND_SHOWN = 200;
const OUTPUT_SHOWN = 20;

/**
 * What the terminal shows while Compose runs: with `-v` every line Compose writes; otherwise a line
 * per build step (`dev: [3/5] RUN apt-get …`, cut to the terminal's width), pulls, and a note when a
 * step has printed nothing for 30 s. `stop` ends the note's timer.
 */
export function progressPrinter(log: BuildLog): { line: (line: string) => void; stop: () => void } {
  let current: { step: BuildStep; since: number } | undefined;
  let lastLine = Date.now();
  const width = () => Math.max(40, (process.stderr.columns || 120) - 2);
  const timer = setInterval(() => {
    if (!current || Date.now() - lastLine < QUIET_MS) return;
    const seconds = Math.round((Date.now() - current.since) / 1000);
    info(style.dim(`  ${visible(stepLine(current.step, width() - 20))} still running (${seconds} s)`));
    lastLine = Date.now();
  }, QUIET_MS / 3);
  timer.unref();
  return {
    line(line: string) {
      lastLine = Date.now();
      const step = log.feed(line);
      if (step) current = { step, since: lastLine };
      if (!line.trim()) return;
      if (isVerbose()) return debug(`  ${line.trim()}`);
      if (step && step.position !== "internal") info(style.dim(`  ${visible(stepLine(step, width()))}`));
      else if (!step && /^\s*(Pulling|Pulled)\b/.test(line)) info(style.dim(`  ${visible(line)}`));
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * A failed build, said once: the service, the step (its command cut to ~200 characters), the exit
 * code, and the last lines the step printed; the hint says where the full log is and, when the
 * output looks like it, what to set for a proxy or a CA.
 */
export function buildFailure(what: string, step: BuildStep, logFile?: string): NexusError {
  const code = exitCodeOf(step);
  const ranAndFailed = /executor failed running|did not complete successfully|non-zero code/.test(
    step.error ?? "",
  );
  const why = ranAndFailed ? `exit code ${code ?? "?"}` : truncate(step.error ?? "failed", COMMAND_SHOWN);
  const command = oneLine(truncate(step.command, COMMAND_SHOWN));
  const output = step.output.filter((l) => l.trim()).slice(-OUTPUT_SHOWN);
  const hint = [
    output.length
      ? `Its last output:\n${output.map((l) => `  | ${visible(l)}`).join("\n")}`
      : "It printed nothing.",
    logFile
      ? `Full log: ${logFile} (run the command again with -v to see the build's output as it comes).`
      : "Run the command again with -v to see the build's whole output.",
    trouble(output),
  ];
  const at = `[${step.position}] ${command} (${why})`;
  const message = step.service
    ? `${what}: building service "${step.service}" failed at ${at}`
    : `${what}: the build failed at ${at}`;
  return new NexusError(message, {
    category: "docker",
    hint: hint.filter(Boolean).join("\n"),
  });
}

function trouble(output: string[]): string {
  const kind = networkTrouble(output);
  if (kind === "tls")
    return (
      "It looks like a certificate the build does not trust (a proxy that re-signs HTTPS?): add the CA to " +
      "the host's system store or name its bundle in NEXUS_CA_BUNDLE; builds get it as the `nexus_ca` " +
      "secret, which a RUN step uses with `--mount=type=secret,id=nexus_ca` (docs/templates.md). `nexus doctor` checks TLS."
    );
  if (kind === "network")
    return "It looks like the build cannot reach the network: set HTTPS_PROXY/HTTP_PROXY (and NO_PROXY) where you run nexus; builds and containers get them.";
  return "";
}

/** The whole output, kept for reading later: written atomically, readable by the user alone. */
export function saveLog(file: string, text: string): string | undefined {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(join(dirname(file), ".gitignore"), "*\n");
    writeAtomic(file, text, 0o600);
    return file;
  } catch {
    return undefined; // the failure itself is what matters; the log is a help
  }
}
