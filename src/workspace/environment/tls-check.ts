import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import { caBundle, proxyVars } from "./host.js";

/** What `nexus doctor` says about HTTPS from inside a container. */
export interface TlsCheck {
  status: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

const BASE_IMAGE = "debian:bookworm-slim";
const DEFAULT_URL = "https://registry.npmjs.org/";
/** The handshake's own limit, inside the container; the docker client gets a little more. */
const HANDSHAKE_MS = 8_000;
const CLIENT_MS = 15_000;

/**
 * A TLS handshake with certificate checks, through HTTPS_PROXY when one is set (a CONNECT tunnel):
 * Node's own fetch ignores proxies. Exit 0: trusted; 10: a certificate was refused; 11: no way there.
 */
const SCRIPT = `
const u = new URL(process.argv[1]);
const port = Number(u.port) || 443;
const proxy = process.env.HTTPS_PROXY || process.env.https_proxy;
const tls = require("tls"), http = require("http");
const done = (code, text) => { console.log(text); process.exit(code); };
setTimeout(() => done(11, "no answer within ${HANDSHAKE_MS / 1000} s" + (proxy ? " through " + new URL(proxy).host : "")), ${HANDSHAKE_MS});
const refused = (e) => /CERT|SIGN|ISSUER|SELF_SIGNED|HOSTNAME|ALTNAME/.test(String(e.code)) ? 10 : 11;
const handshake = (options) => {
  const s = tls.connect({ host: u.hostname, port, servername: u.hostname, ...options }, () => done(0, s.getProtocol()));
  s.on("error", (e) => done(refused(e), e.code || e.message));
};
if (!proxy) handshake({});
else {
  const p = new URL(proxy);
  const auth = p.username ? { "Proxy-Authorization": "Basic " + Buffer.from(decodeURIComponent(p.username) + ":" + decodeURIComponent(p.password)).toString("base64") } : {};
  const r = http.request({ host: p.hostname, port: Number(p.port) || 80, method: "CONNECT", path: u.hostname + ":" + port, headers: auth });
  r.on("connect", (res, socket) => res.statusCode === 200 ? handshake({ socket }) : done(11, "proxy answered " + res.statusCode));
  r.on("error", (e) => done(11, "proxy " + (e.code || e.message)));
  r.end();
}`;

/**
 * Runs a tiny container from the base image, with the host's CA and proxy passed exactly as a dev
 * container gets them, and makes an HTTPS handshake to the npm registry (or NPM_CONFIG_REGISTRY).
 * The HTTPS client is the Node running Nexus, mounted read-only: the base image has none.
 */
export async function checkTlsInContainer(env: NodeJS.ProcessEnv = process.env): Promise<TlsCheck> {
  const url = env.NPM_CONFIG_REGISTRY || env.npm_config_registry || DEFAULT_URL;
  const host = new URL(url).host;
  const ca = caBundle(env);
  const args = [
    "run",
    "--rm",
    "--pull",
    "never",
    "--label",
    "nexus.doctor=tls",
    "--entrypoint",
    "/run/nexus/node",
  ];
  args.push("--mount", `type=bind,source=${realpathSync(process.execPath)},target=/run/nexus/node,readonly`);
  if (ca) args.push("--mount", `type=bind,source=${ca},target=/run/nexus/ca.crt,readonly`);
  if (ca) args.push("-e", "NODE_EXTRA_CA_CERTS=/run/nexus/ca.crt");
  for (const [key, value] of Object.entries(proxyVars(env))) args.push("-e", `${key}=${value}`);
  args.push(BASE_IMAGE, "-e", SCRIPT, url);
  const result = await docker(args, env);
  const said = result.stdout.trim().split("\n").at(-1) ?? "";
  const trusting = ca ? `trusting ${ca}` : "with no CA bundle on the host";
  if (result.code === 0)
    return { status: "ok", detail: `HTTPS to ${host} from a container (${said}), ${trusting}` };
  if (result.code === 10)
    return {
      status: "fail",
      detail: `a container does not trust ${host}'s certificate (${said}), ${trusting}`,
      fix:
        "A proxy re-signs HTTPS: add its CA to the host's system store (update-ca-certificates), or set " +
        "NEXUS_CA_BUNDLE=/path/to/bundle.pem (the public CAs and your proxy's) where you run nexus.",
    };
  if (result.code === 11)
    return {
      status: "warn",
      detail: `a container cannot reach ${host}: ${said}`,
      fix: "Behind a proxy, set HTTPS_PROXY (and NO_PROXY) where you run nexus: builds and containers get them.",
    };
  return { status: "warn", detail: `the TLS check could not run: ${result.error}` };
}

async function docker(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; error: string }> {
  const options = { env, timeout: CLIENT_MS, killSignal: "SIGKILL" as const };
  return new Promise((resolve) => {
    execFile("docker", args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      const first = stderr.split("\n").find((l) => l.trim() && !l.startsWith("Run 'docker"));
      const why = error?.killed ? `no answer within ${CLIENT_MS / 1000} s` : first?.replace(/^docker: /, "");
      resolve({ code: [0, 10, 11].includes(code) ? code : -1, stdout, error: why || `exit code ${code}` });
    });
  });
}
