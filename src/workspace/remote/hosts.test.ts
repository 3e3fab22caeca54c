import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers/fs.js";
import { UsageError } from "../../core/errors.js";
import {
  checkHostName,
  DEFAULT_HOST_LIMIT,
  type HostPaths,
  hostLimit,
  parseHostUrl,
  pinKey,
  pinnedKey,
  readHosts,
  updateHosts,
} from "./hosts.js";
import { fingerprintOf, ownControlDir, sshArgs } from "./ssh.js";

function paths(home = tempDir()): HostPaths {
  const dir = join(home, "hosts");
  return { config: join(home, "config.yaml"), dir, knownHosts: join(dir, "known_hosts") };
}

describe("host names and URLs", () => {
  it("accepts ssh://user@host[:port], IPv6 in brackets", () => {
    expect(parseHostUrl("a", "ssh://dev@build.example.com")).toMatchObject({ user: "dev", port: 22 });
    expect(parseHostUrl("a", "ssh://dev@10.0.0.5:2222")).toMatchObject({ hostname: "10.0.0.5", port: 2222 });
    expect(parseHostUrl("a", "ssh://dev@[fe80::1]:22")).toMatchObject({ hostname: "fe80::1" });
  });

  it("refuses anything else as a usage error", () => {
    for (const url of [
      "dev@host",
      "ssh://host",
      "ssh://dev:pw@host",
      "ssh://dev@-oProxyCommand=x",
      "ssh://-l@host",
      "ssh://dev@host:0",
      "ssh://dev@host/path",
      "ssh://dev@host?x=1",
      "ssh://dev@ho st",
    ])
      expect(() => parseHostUrl("a", url), url).toThrow(UsageError);
    for (const name of ["", "A", "1a", "a_b", "a".repeat(33), "-a"])
      expect(() => checkHostName(name), name).toThrow(UsageError);
    expect(() => checkHostName("build-1")).not.toThrow();
  });
});

describe("the hosts config", () => {
  it("keeps the file's other sections and pins one key per host", () => {
    const p = paths();
    writeFileSync(p.config, "# mine\nother: 1\n");
    updateHosts(p, (h) => h.set("b1", parseHostUrl("b1", "ssh://dev@10.0.0.5", "/k")));
    expect(readFileSync(p.config, "utf8")).toMatch(/# mine\nother: 1\nhosts:/);
    expect(readHosts(p)).toEqual([expect.objectContaining({ name: "b1", identity: "/k", port: 22 })]);
    pinKey(p, "b1", "ssh-ed25519 AAAA1");
    pinKey(p, "b2", "ssh-ed25519 AAAA2");
    pinKey(p, "b1", "ssh-ed25519 AAAA3");
    expect(pinnedKey(p, "b1")).toBe("ssh-ed25519 AAAA3");
    pinKey(p, "b1", undefined);
    expect(readFileSync(p.knownHosts, "utf8")).toBe("nexus-host-b2 ssh-ed25519 AAAA2\n");
  });

  it("keeps a host's workspace limit; an entry without one has the default", () => {
    const p = paths();
    updateHosts(p, (h) => {
      h.set("b1", { ...parseHostUrl("b1", "ssh://dev@10.0.0.5"), limit: 8 });
      h.set("b2", parseHostUrl("b2", "ssh://dev@10.0.0.6"));
    });
    const [b1, b2] = readHosts(p);
    expect(b1).toMatchObject({ name: "b1", limit: 8 });
    expect(b2?.limit).toBeUndefined();
    expect(hostLimit(b2!)).toBe(DEFAULT_HOST_LIMIT);
    for (const bad of ["0", "-1", "2.5", "many", "1001"]) {
      writeFileSync(p.config, `hosts:\n  b1:\n    url: ssh://dev@h\n    limit: ${bad}\n`);
      expect(() => readHosts(p), bad).toThrow(/config\.yaml: hosts\.b1: Invalid limit/);
    }
  });

  it("names the file and the entry when a hand edit broke it", () => {
    const p = paths();
    writeFileSync(p.config, "hosts:\n  b1:\n    url: http://x\n");
    expect(() => readHosts(p)).toThrow(/config\.yaml: hosts\.b1: Invalid host URL/);
    writeFileSync(p.config, "hosts: [1]\n");
    expect(() => readHosts(p)).toThrow(/not a valid YAML mapping/);
    writeFileSync(p.config, "hosts:\n");
    expect(readHosts(p)).toEqual([]);
  });
});

describe("ssh", () => {
  it("computes the fingerprint ssh-keygen prints", () => {
    const key = join(tempDir(), "k");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const printed = execFileSync("ssh-keygen", ["-lf", `${key}.pub`])
      .toString()
      .split(" ")[1];
    expect(fingerprintOf(readFileSync(`${key}.pub`, "utf8"))).toBe(printed);
  });

  it("reads no user config, checks keys strictly and quotes paths", () => {
    const p = paths(join(tempDir(), "a b%c"));
    const args = sshArgs(parseHostUrl("b1", "ssh://dev@h:2200", "/my keys/id"), p).join(" ");
    expect(args).toMatch(/^-F none /);
    for (const option of [
      "BatchMode=yes",
      "StrictHostKeyChecking=yes",
      "PasswordAuthentication=no",
      "IdentitiesOnly=yes",
      "ControlMaster=auto",
      "ControlPersist=60s",
      "StreamLocalBindUnlink=yes",
    ])
      expect(args).toContain(option);
    expect(args).toContain(`UserKnownHostsFile="${p.knownHosts.replace("%", "%%")}"`);
    expect(args).toContain('IdentityFile="/my keys/id"');
    expect(args).toContain("-p 2200 -l dev");
  });
});

describe("the control sockets' folder", () => {
  it("is made closed to others, and one that others can enter is refused (not used)", () => {
    const p = paths();
    expect(ownControlDir(p)).toBe(p.dir);
    chmodSync(p.dir, 0o755);
    expect(() => ownControlDir(p)).toThrow(/not a folder of yours closed to others/);
  });
});
