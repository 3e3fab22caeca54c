import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeAtomic } from "../src/core/atomic.js";
import { environmentError, NexusError } from "../src/core/errors.js";
import { reportError } from "../src/program.js";
import { sshPaths, writeHostEntry } from "../src/workspace/setup/ssh.js";
import { runCli, spawnCli } from "./helpers/cli.js";
import { gitRepo, isolatedHome, tempDir } from "./helpers/fs.js";

const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) spawnSync("umount", [dir]);
});

/** A tiny real tmpfs (root only): the disk-full and read-only cases on a real file system. */
function tmpfs(options: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "nexus-tmpfs-"));
  if (spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]).status !== 0) return undefined;
  mounted.push(dir);
  return dir;
}

/** What the top-level handler prints and returns for `error`. */
function reported(error: unknown): { code: number; stderr: string } {
  const err: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    return { code: reportError(error), stderr: err.join("") };
  } finally {
    process.stderr.write = write;
  }
}

describe("environment failures", () => {
  it("type the writes the machine refuses, with a hint, and leave other errors alone", () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      syscall: "write",
      path: "/home/u/.nexus/ssh/config",
    });
    const typed = environmentError(full);
    expect(typed).toBeInstanceOf(NexusError);
    expect(typed).toMatchObject({ category: "environment", exitCode: 1 });
    expect(typed?.message).toBe("Cannot write /home/u/.nexus/ssh/config: the disk is full.");
    for (const code of ["EROFS", "EACCES", "EPERM", "EDQUOT"])
      expect(environmentError(Object.assign(new Error(code), { code, syscall: "open" }))?.hint).toBeTruthy();
    expect(environmentError(Object.assign(new Error("x"), { code: "SQLITE_FULL" }))?.message).toContain(
      "disk is full",
    );
    expect(
      environmentError(Object.assign(new Error("x"), { code: "ENOENT", syscall: "open" })),
    ).toBeUndefined();
    expect(environmentError(new Error("plain"))).toBeUndefined();
    const shown = reported(full);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain("the disk is full");
    expect(shown.stderr).toContain("hint:");
    expect(shown.stderr).not.toContain("bug in Nexus");
  });

  it("a full NEXUS_HOME: the SSH config keeps its old content and the error is typed", (ctx) => {
    const disk = tmpfs("size=64k");
    if (!disk) return ctx.skip(); // mounting needs root; the mapping itself is tested above
    const paths = { ...sshPaths(), dir: join(disk, "ssh"), config: join(disk, "ssh", "config") };
    paths.userSshConfig = join(tempDir(), "ssh-config");
    writeHostEntry({ alias: "nexus-one", route: { port: 2222 }, paths });
    const before = readFileSync(paths.config, "utf8");
    expect(before).toContain("nexus-one");
    writeFileSync(join(disk, "fill"), Buffer.alloc(0));
    spawnSync("sh", ["-c", `dd if=/dev/zero of=${join(disk, "fill")} bs=4k count=64`]);
    let thrown: unknown;
    try {
      writeHostEntry({ alias: "nexus-two", route: { port: 2223 }, paths: { ...paths } });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as NodeJS.ErrnoException)?.code, (thrown as Error)?.stack).toBe("ENOSPC");
    expect(readFileSync(paths.config, "utf8")).toBe(before);
    expect(readdirSync(paths.dir)).toEqual(["config"]);
    // The rewrite itself (past the lock): the old file stays whole, no temp file is left.
    expect(() => writeAtomic(paths.config, "x".repeat(64 * 1024))).toThrow(/ENOSPC/);
    expect(readFileSync(paths.config, "utf8")).toBe(before);
    expect(readdirSync(paths.dir)).toEqual(["config"]);
    const shown = reported(thrown);
    expect(shown.stderr).toMatch(/error: Cannot write \S+\/ssh\/config(\.lock)?: the disk is full\./);
    expect(shown.stderr).not.toContain("bug in Nexus");
  });

  it("a read-only NEXUS_HOME: a typed error naming the file system, not a crash", (ctx) => {
    const disk = tmpfs("size=64k,ro");
    if (!disk) return ctx.skip();
    const paths = { ...sshPaths(), dir: join(disk, "ssh"), config: join(disk, "ssh", "config") };
    let thrown: unknown;
    try {
      writeHostEntry({ alias: "nexus-one", route: { port: 2222 }, paths });
    } catch (error) {
      thrown = error;
    }
    const shown = reported(thrown);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain("the file system is read-only");
    expect(shown.stderr).toContain("NEXUS_HOME");
    expect(shown.stderr).not.toContain("bug in Nexus");
  });

  it("a corrupt .nexus/nexus.db is moved aside and rebuilt: tasks and workspaces come back", async () => {
    isolatedHome();
    const repo = gitRepo();
    expect((await runCli(["init"], repo)).code).toBe(0);
    const created = await runCli(["task", "create", "Survives a corrupt cache", "--json"], repo);
    expect(created.code).toBe(0);
    expect((await runCli(["workspace", "create", "kept", "-t", "none"], repo)).code).toBe(0);
    const db = join(repo, ".nexus", "nexus.db");
    for (const suffix of ["-wal", "-shm"]) if (existsSync(db + suffix)) writeFileSync(db + suffix, "");
    writeFileSync(db, "this is not a database, just garbage ".repeat(200));
    const listed = await runCli(["task", "list"], repo);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("Survives a corrupt cache");
    expect(listed.stderr).toContain("was corrupt");
    expect(listed.stderr).not.toContain("SqliteError");
    expect(readdirSync(join(repo, ".nexus")).some((f) => f.startsWith("nexus.db.corrupt-"))).toBe(true);
    const workspaces = await runCli(["workspace", "list"], repo);
    expect(workspaces.code).toBe(0);
    expect(workspaces.stdout).toContain("kept");
  });
  it("a corrupt ~/.nexus/telemetry.db (garbage, truncated, empty) is moved aside and rebuilt", async () => {
    const home = isolatedHome();
    const repo = gitRepo();
    expect((await runCli(["init"], repo)).code).toBe(0);
    const file = join(home, ".nexus", "telemetry.db");
    const env = { HOME: home, NEXUS_HOME: join(home, ".nexus") };
    // Separate processes, as a user runs them: no connection of an earlier command stays open.
    const nexus = (args: string[]) => spawnCli(args, repo, env);
    for (let i = 0; i < 6; i++) await nexus(["task", "create", `Recorded ${i}`]);
    const bytes = readFileSync(file);
    const damages: [string, Buffer][] = [
      ["garbage", Buffer.from("not a database at all ".repeat(300))],
      ["truncated", bytes.subarray(0, Math.max(4096, bytes.length >> 1))],
      ["zero-length", Buffer.alloc(0)],
    ];
    for (const [kind, content] of damages) {
      for (const suffix of ["-wal", "-shm"]) rmSync(file + suffix, { force: true });
      writeFileSync(file, content);
      const asideBefore = readdirSync(join(home, ".nexus")).filter((f) =>
        /^telemetry\.db\.corrupt-[^-]+.*Z$/.test(f),
      );
      for (const args of [["task", "list"], ["stats"], ["telemetry", "status"]]) {
        const result = await nexus(args);
        expect(result.code, `${kind}: ${args.join(" ")}: ${result.stderr}`).toBe(0);
        expect(result.stderr, kind).not.toMatch(/SqliteError|bug in Nexus|\n\s+at /);
      }
      const aside = readdirSync(join(home, ".nexus")).filter((f) =>
        /^telemetry\.db\.corrupt-[^-]+.*Z$/.test(f),
      );
      // An empty file is a valid empty database: nothing to move aside. The others: one copy kept.
      expect(aside.length - asideBefore.length, kind).toBe(kind === "zero-length" ? 0 : 1);
    }
    expect((await nexus(["stats", "--json"])).code).toBe(0);
  });

  it("says once that a corrupt telemetry.db was rebuilt, and records the command in the new one", async () => {
    const home = isolatedHome();
    const repo = gitRepo();
    expect((await runCli(["init"], repo)).code).toBe(0);
    const file = join(home, ".nexus", "telemetry.db");
    for (const suffix of ["-wal", "-shm"]) rmSync(file + suffix, { force: true });
    writeFileSync(file, "garbage ".repeat(1000));
    const listed = await runCli(["task", "list"], repo);
    expect(listed.code).toBe(0);
    expect(listed.stderr.match(/telemetry\.db was corrupt/g)).toHaveLength(1);
    expect(listed.stderr).toContain("moved to");
    const again = await runCli(["stats", "--json"], repo);
    expect(again.stderr).not.toContain("was corrupt");
    expect(JSON.parse(again.stdout).commands).toBeGreaterThanOrEqual(1);
  });
});
