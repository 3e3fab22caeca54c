import { describe, expect, it } from "vitest";
import { BuildLog, exitCodeOf, networkTrouble, stepLine } from "./build-log.js";
import { buildFailure } from "./build-progress.js";

const LONG = `echo E: Unable to locate package x >&2; ${"true ".repeat(200)}; exit 3`;

/** BuildKit's plain progress as Compose 2.26 writes it for `up` on Docker 20.10, two services interleaved. */
const BUILDKIT = [
  '#0 building with "default" instance using docker driver',
  "#1 [dev internal] load build definition from Dockerfile",
  "#1 DONE 0.0s",
  "#5 [db 2/2] RUN apt-get install -y postgresql",
  "#6 [dev 2/3] RUN for i in $(seq 1 40); do echo line $i; done",
  ...Array.from({ length: 40 }, (_, i) => `#6 0.49${i % 10} line ${i + 1}`),
  "#6 DONE 1.4s",
  "#5 0.700 Setting up postgresql",
  `#7 [dev 3/3] RUN ${LONG}`,
  "#7 0.283 E: Unable to locate package x",
  "#7 0.290 \u001b[31mnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\u001b[0m",
  `#7 ERROR: executor failed running [/bin/sh -c ${LONG}]: exit code: 3`,
  "------",
  ` > [dev 3/3] RUN ${LONG}:`,
  "0.283 E: Unable to locate package x",
  "------",
  `failed to solve: executor failed running [/bin/sh -c ${LONG}]: exit code: 3`,
];

describe("BuildLog", () => {
  it("knows each step's service, command and own output, and the step that failed", () => {
    const log = new BuildLog();
    const begun = BUILDKIT.map((line) => log.feed(line)).filter((s) => s !== undefined);
    expect(begun.map((s) => `${s.service} ${s.position}`)).toEqual([
      "dev internal",
      "db 2/2",
      "dev 2/3",
      "dev 3/3",
    ]);
    expect(log.failed?.service).toBe("dev");
    expect(log.failed?.output).toEqual([
      "E: Unable to locate package x",
      "npm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    ]);
    expect(exitCodeOf(log.failed!)).toBe(3);
    expect(networkTrouble(log.failed!.output)).toBe("tls");
    expect(stepLine(begun[1]!, 30)).toBe("db: [2/2] RUN apt-get install…");
  });

  it("reads the classic builder too", () => {
    const log = new BuildLog();
    for (const line of [
      "Step 1/3 : FROM debian:bookworm-slim",
      " ---> 5a914fc46714",
      "Step 2/3 : RUN echo oops >&2; exit 3",
      " ---> Running in 1380317809b4",
      "\u001b[91moops",
      "\u001b[0mThe command '/bin/sh -c echo oops >&2; exit 3' returned a non-zero code: 3",
    ])
      log.feed(line);
    expect(log.failed).toMatchObject({
      position: "2/3",
      command: "RUN echo oops >&2; exit 3",
      output: ["oops"],
    });
    expect(exitCodeOf(log.failed!)).toBe(3);
  });

  it("says a failure once: the step cut to ~200 characters, its last 20 lines, the log's path", () => {
    const log = new BuildLog();
    for (const line of BUILDKIT) log.feed(line);
    const lines = Array.from({ length: 30 }, (_, i) => `out ${i}`);
    const error = buildFailure(
      'Cannot start workspace "w"',
      { ...log.failed!, output: lines },
      "/r/.nexus/logs/b.log",
    );
    expect(error.message).toMatch(
      /building service "dev" failed at \[3\/3\] RUN echo E: .*… \(exit code 3\)$/,
    );
    expect(error.message.length).toBeLessThan(300);
    const all = `${error.message}\n${error.hint}`;
    expect(all.split("true true true").length).toBeLessThan(100); // the command once, cut
    expect(error.hint).toContain("  | out 29");
    expect(error.hint).toContain("  | out 10");
    expect(error.hint).not.toContain("  | out 9\n");
    expect(error.hint).toContain("/r/.nexus/logs/b.log");
    expect(error.category).toBe("docker");
    expect(error.exitCode).toBe(1);
  });
});

describe("progressPrinter", () => {
  it("prints a line per step, not their output, and notes a step silent for 30 s", async () => {
    const { vi } = await import("vitest");
    const { progressPrinter } = await import("./build-progress.js");
    vi.useFakeTimers();
    const written: string[] = [];
    const write = vi
      .spyOn(process.stderr, "write")
      .mockImplementation((chunk) => written.push(String(chunk)) > 0);
    try {
      const printer = progressPrinter(new BuildLog());
      printer.line("#1 [dev internal] load build definition from Dockerfile");
      printer.line("#5 [dev 2/3] RUN npm install \u001b[2J\u0007");
      printer.line("#5 0.100 npm http fetch GET https://registry.npmjs.org/pg");
      vi.advanceTimersByTime(31_000);
      printer.stop();
      const text = written.join("");
      expect(text).toContain("dev: [2/3] RUN npm install \\x07");
      expect(text).not.toContain("internal");
      expect(text).not.toContain("npm http fetch");
      expect(text).toMatch(/dev: \[2\/3\] RUN npm install .* still running \(3\d s\)/);
    } finally {
      write.mockRestore();
      vi.useRealTimers();
    }
  });
});
