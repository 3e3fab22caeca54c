import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI_TESTS, USES_DOCKER } from "./kinds.js";

const root = new URL("..", import.meta.url).pathname;
const files = readdirSync(`${root}test`)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => `test/${f}`);

/** A docker test in the parallel `cli` project would race other files on the shared engine. */
describe("test kinds (vitest projects unit, cli, docker)", () => {
  it("lists only existing files as cli tests, and none of them uses Docker", () => {
    for (const file of CLI_TESTS) {
      expect(files, file).toContain(file);
      expect(USES_DOCKER.test(readFileSync(`${root}${file}`, "utf8")), `${file} uses Docker`).toBe(false);
    }
  });

  it("runs every other file in test/ as a docker test, one file at a time", () => {
    const unlisted = files.filter((f) => !CLI_TESTS.includes(f));
    const withoutDocker = unlisted.filter((f) => !USES_DOCKER.test(readFileSync(`${root}${f}`, "utf8")));
    expect(withoutDocker, "needs no Docker: list it in test/kinds.ts").toEqual([]);
  });
});
