import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { networkInterfaces } from "node:os";
import { join } from "node:path";

/** A throwaway CA and a server certificate for `ip`, made with openssl. */
export function throwawayCa(dir: string, ip: string): { ca: string; key: string; cert: string } {
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
export function hostAddress(): string {
  const all = networkInterfaces();
  const v4 = (name: string) => all[name]?.find((a) => a.family === "IPv4")?.address;
  const outside = Object.values(all)
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  return v4("docker0") ?? outside ?? "127.0.0.1";
}

/**
 * An HTTPS server on every host address answering `body`, its certificate from a throwaway CA
 * (`ca`, PEM) for the address containers reach the host on (`url`).
 */
export async function httpsServer(
  dir: string,
  body: string,
): Promise<{ server: Server; url: string; ca: string }> {
  const ip = hostAddress();
  const { ca, key, cert } = throwawayCa(dir, ip);
  const server = createServer({ key, cert }, (_req, res) => res.end(body));
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return { server, url: `https://${ip}:${(server.address() as { port: number }).port}/`, ca };
}

/** The variables that name a CA bundle: unset in CA tests, so only the "system store" names one. */
export const CA_VARS = [
  "NEXUS_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
];
