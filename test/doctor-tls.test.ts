import { writeFileSync } from "node:fs";
import type { Server } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTlsInContainer } from "../src/workspace/environment/tls-check.js";
import { dockerAvailable } from "./helpers/docker.js";
import { tempDir } from "./helpers/fs.js";
import { CA_VARS, httpsServer, throwawayCa } from "./helpers/tls.js";

const hasDocker = await dockerAvailable();
const PROXY_VARS = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"];

/** The environment without a CA or proxy variable: what a user who set none of them has. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...CA_VARS, ...PROXY_VARS]) {
    delete env[name];
    delete env[name.toLowerCase()];
  }
  return { ...env, ...extra };
}

describe.skipIf(!hasDocker)("doctor's TLS check from inside a container", () => {
  let server: Server;
  let url = "";
  let store = "";
  let otherStore = "";

  beforeAll(async () => {
    const dir = tempDir("nexus-tls-");
    const https = await httpsServer(dir, "ok");
    server = https.server;
    url = https.url;
    store = join(dir, "store.pem");
    writeFileSync(store, https.ca);
    const other = tempDir("nexus-tls-other-");
    otherStore = join(other, "store.pem");
    writeFileSync(otherStore, throwawayCa(other, "127.0.0.1").ca);
  });

  afterAll(() => server?.close());

  it("passes when the host's store trusts the registry's certificate", async () => {
    const check = await checkTlsInContainer(bareEnv({ SSL_CERT_FILE: store, NPM_CONFIG_REGISTRY: url }));
    expect(check).toMatchObject({ status: "ok" });
    expect(check.detail).toContain(`trusting ${store}`);
  });

  it("fails and says what to set when it does not", async () => {
    const check = await checkTlsInContainer(bareEnv({ SSL_CERT_FILE: otherStore, NPM_CONFIG_REGISTRY: url }));
    expect(check.status).toBe("fail");
    expect(check.detail).toMatch(/does not trust .*certificate \((SELF_SIGNED|UNABLE_TO|DEPTH_ZERO)/);
    expect(check.fix).toContain("NEXUS_CA_BUNDLE");
  });

  it("warns, naming HTTPS_PROXY, when a container cannot get there", async () => {
    const check = await checkTlsInContainer(
      bareEnv({ SSL_CERT_FILE: store, NPM_CONFIG_REGISTRY: url, HTTPS_PROXY: "http://127.0.0.1:9" }),
    );
    expect(check.status).toBe("warn");
    expect(check.fix).toContain("HTTPS_PROXY");
  });

  it("answers at once, without hanging, when Docker is not there", async () => {
    const started = Date.now();
    const check = await checkTlsInContainer(bareEnv({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }));
    expect(check.status).toBe("warn");
    expect(check.detail).toContain("could not run");
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
