import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";
import { BUILT_APP } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const NAME = `ssh-${randomBytes(3).toString("hex")}`;

/** A project's own dev image: without sshd, and with one (that Nexus did not start). */
const PLAIN = "FROM debian:bookworm-slim\nRUN echo plain > /nexus-test-plain\n";
const WITH_SSHD =
  "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*\n";

interface Ports {
  ports: { service: string; containerPort: number }[];
  sshAlias: string | null;
  sshUnavailable?: string;
}

/** SSH only where it works: no port is leased for a project's own dev image; sshd -i through docker exec where it has sshd. */
describe.skipIf(!hasDocker)("SSH to a project's own dev image", () => {
  let home: string;
  const repos: Record<"plain" | "sshd", string> = { plain: "", sshd: "" };
  const env = () => ({ HOME: home, NEXUS_HOME: `${home}/.nexus` });
  const cli = (repo: string, ...args: string[]) => spawnCli(args, repo, env());
  const ports = async (repo: string): Promise<Ports> =>
    JSON.parse((await cli(repo, "workspace", "ports", NAME, "--json")).stdout);

  beforeAll(async () => {
    home = isolatedHome();
    for (const [kind, dockerfile] of [
      ["plain", PLAIN],
      ["sshd", WITH_SSHD],
    ] as const) {
      repos[kind] = gitRepo({
        "compose.yaml": BUILT_APP.compose,
        "app/Dockerfile": dockerfile,
        "who.txt": `${kind}\n`,
        ".nexus/config.yaml": BUILT_APP.config,
      });
    }
    const created = await Promise.all(
      Object.values(repos).map((repo) => cli(repo, "workspace", "create", NAME)),
    );
    for (const result of created) expect(result.code, result.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const repo of Object.values(repos))
      if (repo) await cli(repo, "workspace", "destroy", NAME, "--force");
  });

  it("leases no SSH port for an image without sshd, and ports and status say why and what to use", async () => {
    const out = await ports(repos.plain);
    expect(out.ports.filter((p) => p.containerPort === 22)).toEqual([]);
    expect(out.sshAlias).toBeNull();
    expect(out.sshUnavailable).toMatch(/has no sshd/);
    expect(out.sshUnavailable).toContain(`nexus workspace shell ${NAME}`);
    const status = await cli(repos.plain, "workspace", "status", NAME);
    expect(status.stdout).toMatch(/no SSH: .*has no sshd/);
    expect(readFileSync(`${home}/.nexus/ssh/config`, "utf8")).not.toMatch(
      /Host nexus-ssh-.*\n {2}HostName[^\n]*\n {2}Port/,
    );
  });

  it("reaches an image with sshd through docker exec, with no port and the host key pinned", async () => {
    const out = await ports(repos.sshd);
    expect(out.ports.filter((p) => p.containerPort === 22)).toEqual([]);
    expect(out.sshAlias).toMatch(/^nexus-ssh-/);
    const sshConfig = readFileSync(`${home}/.nexus/ssh/config`, "utf8");
    expect(sshConfig).toMatch(/ProxyCommand \S*docker exec -i -u 0 [0-9a-f]{64} \/usr\/sbin\/sshd -i /);
    expect(sshConfig).toContain("StrictHostKeyChecking yes");
    const ssh = (...extra: string[]) =>
      execFileSync(
        "ssh",
        ["-F", `${home}/.ssh/config`, "-o", "BatchMode=yes", ...extra, out.sshAlias!, "--", "cat who.txt"],
        { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] },
      );
    expect(ssh().trim()).toBe("sshd");
    // Another host key for the alias is refused: the pinned key is the only one ssh accepts.
    const strange = `${home}/strange_known_hosts`;
    execFileSync("sh", [
      "-c",
      `ssh-keygen -q -t ed25519 -N '' -f ${home}/strange && echo "nexus-* $(cut -d' ' -f1,2 ${home}/strange.pub)" > ${strange}`,
    ]);
    expect(() => ssh("-o", `UserKnownHostsFile=${strange}`)).toThrow();
  });
});
