import { copyFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTemplate, noteImage, removeImages } from "./helpers/builds.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { tempDir } from "./helpers/fs.js";
import { CA_VARS, httpsServer } from "./helpers/tls.js";
import { initialisedRepo } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
afterAll(removeImages);

const FETCH = `fetch(process.env.CA_TEST_URL).then(r => r.text()).then(t => console.log("answer:", t), e => { console.log("failed:", e.cause?.code ?? e.message); process.exit(1); })`;

describe.skipIf(!hasDocker)("a CA only in the system store", () => {
  const { repo, made } = initialisedRepo();
  let server: Server;
  let url = "";
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const dir = tempDir("nexus-ca-");
    const https = await httpsServer(dir, `nexus-ca-ok-${suffix}`);
    server = https.server;
    url = https.url;
    // The "system store" is the test's own file, named as OpenSSL itself lets it be (SSL_CERT_FILE);
    // no variable a user must know about (NODE_EXTRA_CA_CERTS, NEXUS_CA_BUNDLE) is set.
    for (const name of CA_VARS) saved[name] = process.env[name];
    for (const name of CA_VARS) delete process.env[name];
    writeFileSync(join(dir, "store.pem"), https.ca);
    process.env.SSL_CERT_FILE = join(dir, "store.pem");
  });

  afterAll(() => {
    server?.close();
    for (const [name, value] of Object.entries(saved))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it("is trusted by a build step and in the dev container", async () => {
    const trust =
      "if [ -s /run/secrets/nexus_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/nexus_ca; fi";
    buildTemplate(
      repo(),
      "catest",
      `FROM debian:bookworm-slim\nCOPY node /usr/local/bin/node\nARG CA_TEST_URL\nRUN --mount=type=secret,id=nexus_ca ${trust}; node -e '${FETCH}'\n`,
      { CA_TEST_URL: url },
    );
    // An HTTPS client the base image lacks: this very Node.
    copyFileSync(process.execPath, join(repo(), ".nexus/templates/catest/node"));
    const name = `ca-${suffix}`;
    made.push(name);
    const created = await runCli(["workspace", "create", name, "--template", "catest", "-v"], repo());
    noteImage(repo(), name);
    expect(created.stderr).toContain(`answer: nexus-ca-ok-${suffix}`); // the build step's own output, with -v
    expect(created.code).toBe(0);
    const exec = (...cmd: string[]) =>
      spawnCli(["workspace", "exec", name, "-e", `CA_TEST_URL=${url}`, "--", ...cmd], repo());
    const inside = await exec("node", "-e", FETCH);
    expect(inside.stdout).toContain(`answer: nexus-ca-ok-${suffix}`);
    expect(inside.code).toBe(0);
    // The control: without the CA Nexus mounted, the same request is refused.
    const without = await exec("env", "-u", "NODE_EXTRA_CA_CERTS", "node", "-e", FETCH);
    expect(without.stdout).toMatch(/failed: (UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/);
  });
});
