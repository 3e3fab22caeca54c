import { afterAll, beforeAll } from "vitest";
import { openProject } from "../../src/workspace/context.js";
import { destroyWorkspace } from "../../src/workspace/manager.js";
import { runCli } from "./cli.js";
import { gitRepo, isolatedHome } from "./fs.js";

/**
 * For a describe block on a real engine: a fresh HOME and an initialised repository before all tests
 * (`prepare` then adds files to it), and every workspace named in `made` destroyed after them.
 */
export function initialisedRepo(prepare?: (repo: string) => void): { repo: () => string; made: string[] } {
  let repo = "";
  const made: string[] = [];
  beforeAll(async () => {
    isolatedHome();
    repo = gitRepo();
    await runCli(["init"], repo);
    prepare?.(repo);
  });
  afterAll(async () => {
    if (!repo) return;
    const ctx = await openProject(repo);
    for (const name of made) await destroyWorkspace(ctx, name, { force: true }).catch(() => undefined);
  });
  return { repo: () => repo, made };
}

/** A project template whose dev container is a small image that is already local (no build, no database). */
export const SLIM_TEMPLATE = `services:
  dev:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
x-nexus:
  dev_service: dev
  ssh: false
`;

/** A compose file whose only service, `app`, builds from ./app (its Dockerfile is the test's), and its config. */
export const BUILT_APP = {
  compose: `services:
  app:
    build: ./app
    command: ["sleep", "infinity"]
    init: true
`,
  config: "version: 1\ndefault_template: compose\ncompose:\n  files: [compose.yaml]\n  dev_service: app\n",
};
