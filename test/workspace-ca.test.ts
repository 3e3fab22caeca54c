import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTemplate, noteImage, removeImages } from "./helpers/builds.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { tempDir } from "./helpers/fs.js";
import { initialisedRepo } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
afterAll(removeImages);

/** A throwaway CA and a server certificate for `ip`, made with openssl. */
function throwawayCa(dir: string, ip: string): { ca: string; key: string; cert: string } {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Nexus Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=keyCertSign,cRLSign",
  );
  ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=nexus-test",
  );
  writeFileSync(join(dir, "ext.cnf"), `subjectAltName=IP:${ip},IP:127.0.0.1\n`);
  ssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  const read = (file: string) => readFileSync(join(dir, file), "utf8");
  return { ca: read("ca.pem"), key: read("server.key"), cert: read("server.pem") };
}

/** The host's address containers (and builds) reach it on: the docker0 bridge's, else any outside one. */
function hostAddress(): string {
  const all = networkInterfaces();
  const v4 = (name: string) => all[name]?.find((a) => a.family === "IPv4")?.address;
  const outside = Object.values(all)
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  return v4("docker0") ?? outside ?? "127.0.0.1";
}

const FETCH = `fetch(process.env.CA_TEST_URL).then(r => r.text()).then(t => console.log("answer:", t), e => { console.log("failed:", e.cause?.code ?? e.message); process.exit(1); })`;
const CA_VARS = [
  "NEXUS_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
];

describe.skipIf(!hasDocker)("a CA only in the system store", () => {
  const { repo, made } = initialisedRepo();
  let server: Server;
  let url = "";
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const dir = tempDir("nexus-ca-");
    const ip = hostAddress();
    const { ca, key, cert } = throwawayCa(dir, ip);
    server = createServer({ key, cert }, (_req, res) => res.end(`nexus-ca-ok-${suffix}`));
    await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
    url = `https://${ip}:${(server.address() as { port: number }).port}/`;
    // The "system store" is the test's own file, named as OpenSSL itself lets it be (SSL_CERT_FILE);
    // no variable a user must know about (NODE_EXTRA_CA_CERTS, NEXUS_CA_BUNDLE) is set.
    for (const name of CA_VARS) saved[name] = process.env[name];
    for (const name of CA_VARS) delete process.env[name];
    writeFileSync(join(dir, "store.pem"), ca);
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
