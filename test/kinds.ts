/**
 * Which project of vitest.config.ts runs each test file in test/. `cli` files never reach a Docker
 * Engine (template `none`, or DOCKER_HOST pointing nowhere): they run in parallel, with no engine at
 * all. Every other file in test/ is a `docker` test and runs alone, one file after another, because
 * the engine is shared. A new file is a docker test until it is listed here, and
 * test/test-kinds.test.ts fails when a listed file uses Docker (or an unlisted one does not).
 */
export const CLI_TESTS = [
  "agent-hooks",
  "bad-input-sweep",
  "bundle",
  "cli-basics",
  "completion",
  "compose-corpus-counts",
  "dashboard-outcomes",
  "docs-generated",
  "docs-site",
  "dogfood",
  "environment-failures",
  "land",
  "land-status",
  "land-edges",
  "lock",
  "mcp",
  "mcp-schema",
  "ralph-hosts",
  "ralph-land",
  "skills",
  "task-import",
  "tasks",
  "tasks-cli",
  "tasks-gates-end",
  "tasks-integrity",
  "tasks-merge-base",
  "tasks-trust",
  "telemetry",
  "telemetry-domain",
  "telemetry-otlp",
  "telemetry-outcomes",
  "telemetry-schema",
  "test-kinds",
  "workspace-destroy",
].map((name) => `test/${name}.test.ts`);

/** What marks a docker test: it asks for the engine (and fails under CI=true when there is none). */
export const USES_DOCKER = /\bdockerAvailable\(|helpers\/docker\.js|\binitialisedRepo\(|\bSLIM_TEMPLATE\b/;
