import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedHome } from "../../test/helpers/fs.js";
import { ensureSshKeys, hostAlias, removeHostEntry, sshPaths, writeHostEntry } from "./ssh.js";

describe("ssh keys and host entries", () => {
  it("creates 0600 keys once, a pinned host key and the container mount dir", async () => {
    isolatedHome();
    const paths = await ensureSshKeys();
    for (const file of [
      paths.userKey,
      paths.hostKey,
      join(paths.containerDir, "ssh_host_ed25519_key"),
      join(paths.containerDir, "authorized_keys"),
    ]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    const key = readFileSync(paths.userKey, "utf8");
    await ensureSshKeys();
    expect(readFileSync(paths.userKey, "utf8")).toBe(key);
    expect(readFileSync(paths.knownHosts, "utf8")).toMatch(/^nexus-\* ssh-ed25519 \S+\n$/);
    expect(readFileSync(join(paths.containerDir, "authorized_keys"), "utf8")).toBe(
      readFileSync(`${paths.userKey}.pub`, "utf8"),
    );
  });

  it("writes, replaces and removes a Host block, with one Include at the top of ~/.ssh/config", () => {
    const home = isolatedHome();
    const paths = sshPaths();
    writeFileSync(join(home, "existing"), "");
    writeHostEntry({ workspace: "feat", port: 41002 });
    writeHostEntry({ workspace: "other", port: 41005 });
    writeHostEntry({ workspace: "feat", port: 41010 });
    const config = readFileSync(paths.config, "utf8");
    expect(config.match(/Host nexus-feat\n/g)).toHaveLength(1);
    expect(config).toContain("Port 41010");
    expect(config).not.toContain("Port 41002");
    expect(config).toContain("StrictHostKeyChecking yes");
    const userConfig = readFileSync(paths.userSshConfig, "utf8");
    expect(userConfig.split("\n")[1]).toBe(`Include ${paths.config}`);
    expect(userConfig.match(/Include/g)).toHaveLength(1);
    removeHostEntry("feat");
    expect(readFileSync(paths.config, "utf8")).not.toContain("nexus-feat");
    expect(readFileSync(paths.config, "utf8")).toContain("Host nexus-other");
    expect(hostAlias("x")).toBe("nexus-x");
  });

  it("keeps an existing ~/.ssh/config below the Include", () => {
    isolatedHome();
    const paths = sshPaths();
    writeHostEntry({ workspace: "a", port: 1 });
    removeHostEntry("missing");
    expect(existsSync(paths.userSshConfig)).toBe(true);
    const before = "Host github.com\n  User git\n";
    writeFileSync(paths.userSshConfig, before);
    writeHostEntry({ workspace: "b", port: 2 });
    const text = readFileSync(paths.userSshConfig, "utf8");
    expect(text.indexOf("Include")).toBeLessThan(text.indexOf("Host github.com"));
    expect(text).toContain(before);
  });
});
