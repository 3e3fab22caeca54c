import { defineConfig } from "vitest/config";
import { CLI_TESTS } from "./test/kinds.js";

export default defineConfig({
  test: {
    // Forks, not threads: CLI tests change directory, which worker threads cannot do.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 600_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/**/*.test-helper.ts", "src/cli.ts"],
      reporter: ["text-summary", "text"],
      thresholds: { lines: 80 },
    },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["src/**/*.test.ts"] },
      },
      {
        extends: true,
        // CLI tests without Docker (test/kinds.ts lists them): files run in parallel.
        test: { name: "cli", include: CLI_TESTS },
      },
      {
        extends: true,
        // Docker tests share one engine: run their files one after another.
        test: {
          name: "docker",
          include: ["test/**/*.test.ts"],
          exclude: CLI_TESTS,
          fileParallelism: false,
          testTimeout: 600_000,
        },
      },
    ],
  },
});
