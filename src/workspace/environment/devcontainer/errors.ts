import { NexusError } from "../../../core/errors.js";
import { BuildLog } from "../../engine/build-log.js";
import { buildFailure } from "../../engine/build-progress.js";
import { type CliResult, lastJson, stripStamp } from "./cli.js";

/** What failed, for the message: "read-configuration" or "build". */
export type CliStep = "read-configuration" | "build";

const NETWORK =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|certificate|Could not resolve Feature|Failed to fetch|status code 40[13]/i;

/** Turns a failed CLI run into an error naming the file, the field where it can, and what to do. */
export function cliFailure(step: CliStep, file: string, result: CliResult, timeoutMs: number): NexusError {
  const lines = result.stderr.split("\n").map(stripStamp);
  const feature = registryFeature(lines);
  if (feature && (result.timedOut || lines.some((l) => NETWORK.test(l)) || NETWORK.test(result.stdout)))
    return registryError(file, feature, reason(lines, result));
  if (result.timedOut)
    return new NexusError(`${file}: devcontainer ${step} did not finish within ${timeoutMs / 1000} s`, {
      category: "timeout",
      hint: `Run it by hand to see where it waits: npx devcontainer ${step} --workspace-folder <worktree>`,
    });
  const pull = lines.map((l) => /Command failed: docker pull (\S+)/.exec(l)?.[1]).find(Boolean);
  if (pull)
    return new NexusError(`${file}: image "${pull}" is not available locally and could not be pulled`, {
      category: "docker",
      hint: `Pull it while the registry is reachable (docker pull ${pull}), or docker load it from a saved archive.`,
    });
  const buildFailed = step === "build";
  const failedStep = buildFailed ? failingStep(lines) : undefined;
  if (failedStep) return buildFailure(file, failedStep);
  return new NexusError(
    `${file}: ${buildFailed ? "building the image failed: " : ""}${reason(lines, result)}`,
    {
      category: buildFailed ? "docker" : "config",
      hint: buildFailed
        ? "The build output above shows the failing step; fix the Dockerfile or feature and create again."
        : "Fix the file (see https://containers.dev/implementors/json_reference/) and try again.",
    },
  );
}

/** The Dockerfile step that failed, from the build output the CLI logs (classic builder or BuildKit). */
function failingStep(lines: string[]) {
  const log = new BuildLog();
  for (const line of lines) log.feed(line);
  return log.failed;
}

/** The feature the CLI was resolving when it failed: registry features only, not local folders. */
function registryFeature(lines: string[]): string | undefined {
  const ids = lines
    .map(
      (l) =>
        /(?:Resolving Feature dependencies for|Could not resolve Feature(?: manifest for)?|Processing feature:) '?([^'\s]+)'?/.exec(
          l,
        )?.[1],
    )
    .filter((id): id is string => !!id && !id.startsWith("./") && !id.startsWith("../"));
  return ids.at(-1);
}

function registryError(file: string, feature: string, why: string): NexusError {
  // A bare id ("git-lfs") is short for the default registry's devcontainers/features collection.
  const host = feature.startsWith("http")
    ? new URL(feature).host
    : feature.includes("/")
      ? feature.split("/")[0]
      : "ghcr.io";
  const local = feature.split("/").at(-1)?.split(/[:@]/)[0] ?? "feature";
  return new NexusError(
    `${file}: feature "${feature}" (features) could not be fetched: the registry ${host} could not be reached (${why})`,
    {
      category: "config",
      hint:
        `Vendor the feature into the repository as a local folder (.devcontainer/${local}/ with its ` +
        `devcontainer-feature.json and install.sh) and reference it as "./${local}", or check the network and ` +
        `proxy settings (HTTPS_PROXY) for ${host}.`,
    },
  );
}

/** The CLI's own message: its last `Error: ...` line, its JSON result's message, or its last line. */
function reason(lines: string[], result: CliResult): string {
  const missing = lines
    .map((l) =>
      /ENOENT: no such file or directory, open '([^']+)'|open (\S+): no such file or directory/.exec(l),
    )
    .find(Boolean);
  if (missing) return `it references ${missing[1] ?? missing[2]}, which does not exist`;
  const error = lines.filter((l) => /^(Error: |Could not resolve)/.test(l)).at(-1);
  if (error) return error.replace(/^Error: /, "");
  const json = lastJson(result.stdout);
  if (typeof json?.message === "string" && json.message) return json.message;
  if (result.timedOut) return "timed out";
  const last = lines
    .filter((l) => l.trim() && !/^\s+at /.test(l) && !/@devcontainers\/cli \d/.test(l))
    .at(-1);
  return last?.trim() ?? `the devcontainers CLI exited with code ${result.exitCode}`;
}

/**
 * The devcontainer CLI reads JSONC leniently: an object closed early is taken as the whole file and
 * what follows is dropped without a word. Nexus reads it first with the same parser (comments and
 * trailing commas allowed, as the specification does) and refuses anything it had to skip.
 */
export async function checkJsonc(text: string, file: string): Promise<void> {
  const { parse, printParseErrorCode } = await import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  parse(text, errors, { allowTrailingComma: true, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return;
  const before = text.slice(0, first.offset).split("\n");
  const where = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
  const code = printParseErrorCode(first.error);
  const what =
    code === "EndOfFileExpected"
      ? "text after the end of the top-level object (is a } too many, closing it early?)"
      : `not valid JSON with comments (${code})`;
  throw new NexusError(`${file}:${before.length}: ${what}, at ${where}`, {
    category: "config",
    hint: "Fix the file (see https://containers.dev/implementors/json_reference/); nothing after the error would be read.",
  });
}
