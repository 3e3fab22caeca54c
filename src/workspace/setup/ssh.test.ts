import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedHome } from "../../../test/helpers/fs.js";
import {
  containerKeyEnv,
  ensureSshKeys,
  hostAlias,
  proxyCommand,
  removeHostEntry,
  sshPaths,
  writeHostEntry,
} from "./ssh.js";

describe("ssh keys and host entries", () => {
  it("creates 0600 keys once and a pinned host key, and makes again whatever was deleted", async () => {
    isolatedHome();
    const paths = await ensureSshKeys();
    for (const file of [paths.userKey, paths.hostKey]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    const key = readFileSync(paths.userKey, "utf8");
    await ensureSshKeys();
    expect(readFileSync(paths.userKey, "utf8")).toBe(key);
    expect(readFileSync(paths.knownHosts, "utf8")).toMatch(/^nexus-\* ssh-ed25519 \S+\n$/);
    const given = Object.fromEntries(containerKeyEnv(paths).map((e) => e.split(/=(.*)/s).slice(0, 2)));
    expect(given.NEXUS_SSH_AUTHORIZED_KEY).toBe(
      readFileSync(`${paths.userKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" "),
    );
    expect(given.NEXUS_SSH_HOST_KEY).toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(readFileSync(paths.knownHosts, "utf8")).toContain(given.NEXUS_SSH_HOST_KEY_PUB);
    // ~/.nexus deleted: new keys, and known_hosts pins the new host key.
    rmSync(paths.dir, { recursive: true });
    await ensureSshKeys();
    expect(readFileSync(paths.userKey, "utf8")).not.toBe(key);
    expect(readFileSync(paths.knownHosts, "utf8")).toContain(containerKeyEnv(paths)[2]!.split("=")[1]);
  });

  it("writes, replaces and removes a Host block, with one Include at the top of ~/.ssh/config", () => {
    const home = isolatedHome();
    const paths = sshPaths();
    writeFileSync(join(home, "existing"), "");
    writeHostEntry({ alias: "nexus-feat", route: { port: 41002 } });
    writeHostEntry({ alias: "nexus-feat-2", route: { port: 41003 } });
    writeHostEntry({ alias: "nexus-other", route: { port: 41005 } });
    writeHostEntry({ alias: "nexus-feat", route: { port: 41010 } });
    const config = readFileSync(paths.config, "utf8");
    expect(config.match(/Host nexus-feat\n/g)).toHaveLength(1);
    expect(config).toContain("Port 41010");
    expect(config).not.toContain("Port 41002");
    expect(config).toContain("StrictHostKeyChecking yes");
    const userConfig = readFileSync(paths.userSshConfig, "utf8");
    expect(userConfig.split("\n")[1]).toBe(`Include ${paths.config}`);
    expect(userConfig.match(/Include/g)).toHaveLength(1);
    removeHostEntry("nexus-feat");
    expect(readFileSync(paths.config, "utf8")).not.toContain("nexus-feat\n");
    expect(readFileSync(paths.config, "utf8")).toContain(
      "Host nexus-feat-2\n  HostName 127.0.0.1\n  Port 41003",
    );
    expect(readFileSync(paths.config, "utf8")).toContain("Host nexus-other");
    expect(hostAlias({ repoId: "0a1b2c3d4e5f", workspace: "x" })).toBe("nexus-x-0a1b2c");
  });

  it("keeps an existing ~/.ssh/config below the Include", () => {
    isolatedHome();
    const paths = sshPaths();
    writeHostEntry({ alias: "nexus-a", route: { port: 1 } });
    removeHostEntry("missing");
    expect(existsSync(paths.userSshConfig)).toBe(true);
    const before = "Host github.com\n  User git\n";
    writeFileSync(paths.userSshConfig, before);
    writeHostEntry({ alias: "nexus-b", route: { port: 2 } });
    const text = readFileSync(paths.userSshConfig, "utf8");
    expect(text.indexOf("Include")).toBeLessThan(text.indexOf("Host github.com"));
    expect(text).toContain(before);
  });

  it("reaches an image without a port through docker exec with fixed words only", () => {
    isolatedHome();
    const paths = sshPaths();
    const id = "a".repeat(64);
    writeHostEntry({ alias: "nexus-p", route: { container: id }, user: "dev" });
    const config = readFileSync(paths.config, "utf8");
    expect(config).toMatch(
      new RegExp(
        `ProxyCommand \\S*docker exec -i -u 0 ${id} /usr/sbin/sshd -i -f /etc/ssh/sshd_config.nexus`,
      ),
    );
    expect(config).not.toMatch(/\n {2}Port /);
    expect(config).toContain("StrictHostKeyChecking yes");
    expect(proxyCommand(id, { PATH: "", DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toMatch(
      /^docker -H unix:\/\/\/run\/user\/1000\/docker.sock exec /,
    );
    expect(proxyCommand(id, { PATH: "", DOCKER_HOST: "tcp://x;touch /tmp/p" })).toMatch(/^docker exec /);
    expect(() => proxyCommand("abc; rm -rf /")).toThrow(/not a container id/);
  });
});
