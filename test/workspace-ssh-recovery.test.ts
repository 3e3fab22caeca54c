import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "./helpers/cli.js";
import { dockerAvailable } from "./helpers/docker.js";
import { gitRepo, isolatedHome } from "./helpers/fs.js";
import { BUILT_APP } from "./helpers/workspaces.js";

const hasDocker = await dockerAvailable();
const NAME = `sshrec-${randomBytes(3).toString("hex")}`;

/** A compose file with no dev service: Nexus adds its own dev container (sshd, an SSH port). */
const SIDE_ONLY = `services:
  side:
    image: debian:bookworm-slim
    command: ["sleep", "infinity"]
    init: true
`;
/** A project's own dev image with sshd: `ssh` runs it through `docker exec` (no port). */
const WITH_SSHD =
  "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*\n";

interface Doctor {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

/** ~/.nexus deleted while workspaces run: doctor says so, and `up` / `repair` make SSH work again. */
describe.skipIf(!hasDocker)("SSH after ~/.nexus is deleted", () => {
  let home = "";
  const repos: Record<"port" | "exec", string> = { port: "", exec: "" };
  const env = () => ({ HOME: home, NEXUS_HOME: `${home}/.nexus` });
  const cli = (repo: string, ...args: string[]) => spawnCli(args, repo, env());
  const alias = async (repo: string): Promise<string> =>
    JSON.parse((await cli(repo, "workspace", "ports", NAME, "--json")).stdout).sshAlias;
  const ssh = (target: string) =>
    execFileSync(
      "ssh",
      [
        "-F",
        `${home}/.ssh/config`,
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        target,
        "--",
        "cat who.txt",
      ],
      { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] },
    ).trim();
  const doctorSsh = async (repo: string): Promise<Doctor> => {
    const checks: Doctor[] = JSON.parse((await cli(repo, "doctor", "--json")).stdout);
    return checks.find((c) => c.name === "ssh")!;
  };

  beforeAll(async () => {
    home = isolatedHome();
    repos.port = gitRepo({
      "compose.yaml": SIDE_ONLY,
      ".nvmrc": "22\n",
      "who.txt": "port\n",
      ".nexus/config.yaml": "version: 1\ndefault_template: compose\ncompose:\n  files: [compose.yaml]\n",
    });
    repos.exec = gitRepo({
      "compose.yaml": BUILT_APP.compose,
      "app/Dockerfile": WITH_SSHD,
      "who.txt": "exec\n",
      ".nexus/config.yaml": BUILT_APP.config,
    });
    const created = await Promise.all(
      Object.values(repos).map((repo) => cli(repo, "workspace", "create", NAME, "--template", "compose")),
    );
    for (const result of created) expect(result.code, result.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const repo of Object.values(repos))
      if (repo) await cli(repo, "workspace", "destroy", NAME, "--force");
  });

  it("works, and doctor says so", async () => {
    for (const [kind, repo] of Object.entries(repos)) {
      expect(ssh(await alias(repo)), kind).toBe(kind);
      expect(await doctorSsh(repo), kind).toMatchObject({ status: "ok" });
    }
  });

  it("doctor names what is missing, and `up` restores entries, keys and the pinned host key", async () => {
    const aliases = { port: await alias(repos.port), exec: await alias(repos.exec) };
    const oldKey = readFileSync(`${home}/.nexus/ssh/id_ed25519`, "utf8");
    rmSync(`${home}/.nexus`, { recursive: true, force: true });
    for (const target of Object.values(aliases)) expect(() => ssh(target)).toThrow();
    for (const [kind, repo] of Object.entries(repos)) {
      const check = await doctorSsh(repo);
      expect(check.status, kind).toBe("fail");
      expect(check.detail).toContain(`no Host ${aliases[kind as "port"]}`);
      expect(check.detail).toContain("id_ed25519 is missing");
      expect(check.fix).toBe(`nexus workspace up ${NAME}`);
    }
    for (const repo of Object.values(repos)) {
      const up = await cli(repo, "workspace", "up", NAME);
      expect(up.code, up.stderr).toBe(0);
    }
    // A new client key the running containers authorise, and a new host key they serve and ssh pins.
    expect(readFileSync(`${home}/.nexus/ssh/id_ed25519`, "utf8")).not.toBe(oldKey);
    for (const [kind, repo] of Object.entries(repos)) {
      expect(ssh(aliases[kind as "port"]), kind).toBe(kind);
      expect(await doctorSsh(repo), kind).toMatchObject({ status: "ok" });
    }
  });

  it("`repair` restores them after ~/.nexus/ssh alone is deleted", async () => {
    rmSync(`${home}/.nexus/ssh`, { recursive: true, force: true });
    for (const [kind, repo] of Object.entries(repos)) {
      expect((await doctorSsh(repo)).status, kind).toBe("fail");
      const repaired = await cli(repo, "workspace", "repair", NAME);
      expect(repaired.code, repaired.stderr).toBe(0);
      expect(ssh(await alias(repo)), kind).toBe(kind);
    }
  });
});
