import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTemplate, noteImage, removeImages } from "./helpers/builds.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable, resourcesOf } from "./helpers/docker.js";
import { initialisedRepo } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
afterAll(removeImages);

describe.skipIf(!hasDocker)("a failing build", () => {
  const { repo, made } = initialisedRepo();

  it("shows each step as it runs, then the failing command once and the last lines of its output", async () => {
    const command = `echo E: Unable to locate package nodejs-${suffix} >&2; echo npm ERR! network >&2; ${"true ".repeat(150)}; exit 3`;
    buildTemplate(
      repo(),
      "fails",
      `FROM debian:bookworm-slim\nRUN for i in $(seq 1 60); do echo "long output line $i ${suffix}"; done\nRUN ${command}\n`,
    );
    const name = `bf-${suffix}`;
    made.push(name);
    const result = await runCli(["workspace", "create", name, "--template", "fails"], repo());
    noteImage(repo(), name);
    expect(result.code).toBe(1);
    const err = result.stderr;
    expect(err).toMatch(/dev: \[\d\/\d\] RUN for i in/); // progress: a line per service and step
    expect(err).toMatch(
      /error: Cannot start workspace "bf-\w+": building service "dev" failed at \[\d\/\d\] RUN echo E: Unable/,
    );
    expect(err).toContain("(exit code 3)");
    expect(err.split(`nodejs-${suffix} >&2`).length - 1).toBe(2); // the progress line and the error: once each
    expect(err).not.toContain("true ".repeat(60)); // cut to ~200 characters
    expect(err).toContain(`  | E: Unable to locate package nodejs-${suffix}`);
    expect(err).toContain("  | npm ERR! network");
    expect(err).not.toContain("long output line 60"); // the earlier step's output is not the failing step's
    const log = join(repo(), ".nexus/logs", `build-${name}.log`);
    expect(err).toContain(log);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(readFileSync(log, "utf8")).toContain(`long output line 60 ${suffix}`);
    expect(err).not.toMatch(/\n\s+at /);
    expect(await resourcesOf(name, repo())).toEqual({ containers: 0, networks: 0, volumes: 0 }); // the create was undone
  });
});
