/**
 * `nexus host add/list/check/remove` against a real "remote" host: an sshd and a second dockerd in
 * their own network and mount namespaces (test/helpers/remote-host.ts). Needs root and Docker: on a
 * machine without them it skips, under CI=true it fails.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fingerprintOf } from "../src/workspace/remote/ssh.js";
import { runCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { isolatedHome } from "./helpers/fs.js";
import { type RemoteHost, startRemoteHost } from "./helpers/remote-host.js";

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error("CI is set but the tests do not run as root");
const ready = isRoot && (await dockerAvailable());
const strip = stripVTControlCharacters;

describe.skipIf(!ready)("remote hosts", () => {
  let remote: RemoteHost;
  let home: string;
  let config: string;
  let knownHosts: string;
  const cli = async (...args: string[]) => {
    const result = await runCli(args, home);
    return { ...result, stdout: strip(result.stdout), stderr: strip(result.stderr) };
  };

  beforeAll(async () => {
    home = isolatedHome();
    config = join(home, ".nexus", "config.yaml");
    knownHosts = join(home, ".nexus", "hosts", "known_hosts");
    remote = await startRemoteHost(home);
  }, 90_000);

  afterAll(async () => {
    await cli("host", "remove", "far").catch(() => undefined);
    remote?.stop();
  }, 60_000);

  it("refuses bad names, URLs and fingerprints as usage errors and writes nothing", async () => {
    for (const args of [
      ["Bad_Name", "ssh://root@10.0.0.1"],
      ["ok", "http://root@10.0.0.1"],
      ["ok", "ssh://10.0.0.1"],
      ["ok", "ssh://root:secret@10.0.0.1"],
      ["ok", "ssh://root@-oProxyCommand=x"],
      ["ok", "ssh://root@10.0.0.1:99999"],
      ["ok", "ssh://root@10.0.0.1/path"],
    ]) {
      const result = await cli("host", "add", ...args, "--identity", remote.key);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/Invalid/);
    }
    const bad = await cli("host", "add", "ok", remote.url, "--accept-host-key", "md5:12");
    expect(bad.code).toBe(2);
    expect(existsSync(config)).toBe(false);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it("without a terminal and without --accept-host-key, shows the fingerprint and pins nothing", async () => {
    const fingerprint = fingerprintOf(remote.hostKey());
    const result = await cli("host", "add", "far", remote.url, "--identity", remote.key);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fingerprint);
    expect(result.stderr).toContain(`--accept-host-key ${fingerprint}`);
    expect(existsSync(config)).toBe(false);
    expect(existsSync(knownHosts) && readFileSync(knownHosts, "utf8").trim()).toBeFalsy();
  });

  it("refuses a fingerprint that is not the host's", async () => {
    const wrong = `SHA256:${"A".repeat(43)}`;
    const result = await cli(
      "host",
      "add",
      "far",
      remote.url,
      "--identity",
      remote.key,
      "--accept-host-key",
      wrong,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not SHA256:A+/);
    expect(existsSync(config)).toBe(false);
  });

  it("pins the key the user vouched for and lists the host", async () => {
    const fingerprint = fingerprintOf(remote.hostKey());
    const args = [
      "host",
      "add",
      "far",
      remote.url,
      "--identity",
      remote.key,
      "--accept-host-key",
      fingerprint,
    ];
    const result = await cli(...args);
    expect(result.stderr + result.stdout).toContain("Host far added");
    expect(result.code).toBe(0);
    expect(readFileSync(knownHosts, "utf8")).toBe(`nexus-host-far ${remote.hostKey()}\n`);
    expect(readFileSync(config, "utf8")).toContain(remote.url);
    const again = await cli(...args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists already");
    const list = await cli("host", "list", "--json");
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: "far", hostname: remote.ip, port: 22, user: "root", fingerprint }),
    ]);
  });

  it("checks Docker, Compose, git, disk and networks over one master connection", async () => {
    const first = await cli("host", "check", "far", "--json");
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.docker).toMatch(/^\d+\.\d+/);
    expect(report.compose).toMatch(/^\d+\.\d+/);
    expect(report.git).toMatch(/^\d+\.\d+/);
    expect(report.freeBytes).toBeGreaterThan(0);
    // The remote engine answered, not this machine's: its data root is the remote's own.
    expect(report.dockerRoot).toBe(join(remote.dir, "data"));
    expect(report.networks).toBeGreaterThanOrEqual(1);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      "ssh",
      "docker",
      "compose",
      "git",
      "disk",
      "networks",
    ]);
    expect(report.checks.find((c: { status: string }) => c.status === "fail")).toBeUndefined();
    const sockets = readdirSync(join(home, ".nexus", "hosts")).filter((f) => f.startsWith("cm-"));
    expect(sockets).toHaveLength(1);
    const second = await cli("host", "check", "far");
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/✔ docker\s+Docker \d/);
    expect(second.stdout).toMatch(/✔ compose\s+Compose \d/);
  }, 60_000);

  it("names the host and what to do when its key changed", async () => {
    await remote.rekey();
    const result = await cli("host", "check", "far");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✖ ssh\s+The host key of far \(root@/);
    expect(result.stdout).toContain("nexus host remove far");
  }, 60_000);

  it("remove forgets the entry and its pinned key", async () => {
    const result = await cli("host", "remove", "far");
    expect(result.code).toBe(0);
    expect(readFileSync(knownHosts, "utf8")).toBe("");
    expect(readFileSync(config, "utf8")).not.toContain("far");
    expect(JSON.parse((await cli("host", "list", "--json")).stdout)).toEqual([]);
    const missing = await cli("host", "check", "far");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No host named far");
  });
});
