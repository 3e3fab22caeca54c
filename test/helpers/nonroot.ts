import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Runner {
  uid: number;
  home: string;
  repo: string;
  /** The built CLI as the user, in the repository. */
  nexus(...args: (string | Record<string, string>)[]): RunResult;
  /** A shell command as the user, in the repository. */
  sh(command: string): RunResult;
  run(file: string, args: string[]): RunResult;
  /** The built CLI as the user in `cwd`, without blocking (several workspaces at once); 10-minute timeout. */
  nexusIn(cwd: string, args: string[], extra?: Record<string, string>): Promise<RunResult>;
  /** A shell command as the user in `cwd`, without blocking. */
  shIn(cwd: string, command: string): Promise<RunResult>;
  uidGid: { uid: number; gid: number };
  cleanup(): void;
}

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

/**
 * A real non-root user in the docker group (made once; root only), with a fresh home and repository
 * of their own. The package is hard-linked to /tmp when the user cannot read the clone (e.g. under /root).
 */
export function nonRootUser(name: string): Runner {
  if (spawnSync("id", ["-u", name]).status !== 0) {
    spawnSync("groupadd", ["-f", "docker"]);
    execFileSync("useradd", ["-M", "-s", "/bin/sh", "-G", "docker", name]);
  }
  execFileSync("sh", ["-c", "chgrp docker /var/run/docker.sock && chmod g+rw /var/run/docker.sock"]);
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  const home = mkdtempSync("/tmp/nexus-nonroot-home-");
  chownSync(home, uid, gid);
  const repo = join(home, "repo");
  mkdirSync(repo);
  chownSync(repo, uid, gid);
  const pkg = readableBy(name, ROOT) ? ROOT : linkedCopy(home);
  const env = (extra: Record<string, string> = {}) => [
    `HOME=${home}`,
    `NEXUS_HOME=${home}/.nexus`,
    `PATH=${process.env.PATH}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
  const run = (file: string, args: string[], extra?: Record<string, string>): RunResult => {
    const r = spawnSync("runuser", ["-u", name, "--", "env", "-i", ...env(extra), file, ...args], {
      cwd: repo,
      encoding: "utf8",
      timeout: 300_000,
    });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  };
  const runIn = (cwd: string, file: string, args: string[], extra?: Record<string, string>) =>
    new Promise<RunResult>((done) => {
      const argv = ["-u", name, "--", "env", "-i", ...env(extra), file, ...args];
      const options = { cwd, encoding: "utf8" as const, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 };
      execFile("runuser", argv, options, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr: stderr || (error && code === 1 ? String(error.message) : "") });
      });
    });
  return {
    uid,
    home,
    repo,
    uidGid: { uid, gid },
    nexusIn: (cwd, args, extra) => runIn(cwd, process.execPath, [join(pkg, "dist/cli.js"), ...args], extra),
    shIn: (cwd, command) => runIn(cwd, "/bin/sh", ["-c", command]),
    nexus: (...args) => {
      const extra = typeof args.at(-1) === "object" ? (args.pop() as Record<string, string>) : undefined;
      return run(process.execPath, [join(pkg, "dist/cli.js"), ...(args as string[])], extra);
    },
    sh: (command) => run("/bin/sh", ["-c", command]),
    run,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

function readableBy(user: string, dir: string): boolean {
  return spawnSync("runuser", ["-u", user, "--", "test", "-r", join(dir, "dist/cli.js")]).status === 0;
}

function linkedCopy(home: string): string {
  const target = join(home, "nexus-package");
  mkdirSync(target);
  for (const part of ["dist", "templates", "runtime", "package.json", "node_modules"]) {
    if (!existsSync(join(ROOT, part))) continue;
    execFileSync("cp", ["-al", join(ROOT, part), join(target, part)]);
  }
  return target;
}
