import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProject } from "../src/workspace/context.js";
import { destroyWorkspace } from "../src/workspace/manager.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";

const hasDocker = await dockerAvailable();

/** Only a database: Nexus adds its own dev container (see workspace-own-dev.test.ts). */
const COMPOSE = `services:
  postgres:
    build:
      context: \${NEXUS_TEMPLATES}/_shared/postgres
`;

describe.skipIf(!hasDocker)("versions Nexus cannot provide, and the built-ins' selectable runtimes", () => {
  let repo = "";
  const made: string[] = [];
  const tag = randomBytes(3).toString("hex");

  beforeAll(async () => {
    isolatedHome();
    repo = gitRepo({
      "compose.yaml": COMPOSE,
      "pyproject.toml": '[project]\nname = "lib"\nrequires-python = ">=3.9"\n',
      ".python-version": "3.12\n",
    });
    await runCli(["init"], repo);
  });

  afterAll(async () => {
    if (!repo) return;
    const ctx = await openProject(repo);
    for (const ws of made) await destroyWorkspace(ctx, ws, { force: true }).catch(() => undefined);
  });

  it("gets the nearest version there is, and create says so", async () => {
    const name = `py-${tag}`;
    made.push(name);
    const created = await runCli(["workspace", "create", name], repo);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/\.python-version asks for Python 3\.12.*uses Python 3\.11/);
    const version = await runCli(["workspace", "exec", name, "--", "python", "--version"], repo);
    expect(version.stdout.trim()).toMatch(/^Python 3\.11\./);
  });

  it("node-postgres runs the Node that NODE_VERSION names", async () => {
    const name = `tpl-${tag}`;
    made.push(name);
    process.env.NODE_VERSION = "22";
    try {
      const created = await runCli(["workspace", "create", name, "--template", "node-postgres"], repo);
      expect(created.code, created.stderr).toBe(0);
    } finally {
      delete process.env.NODE_VERSION;
    }
    const version = await runCli(["workspace", "exec", name, "--", "node", "--version"], repo);
    expect(version.stdout.trim()).toMatch(/^v22\./);
  });
});
