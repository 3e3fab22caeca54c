import { describe, expect, it } from "vitest";
import { gitRepo } from "../../test/helpers/fs.js";
import { git, gitRaw } from "./git.js";

describe("gitRaw", () => {
  it("reports a git stopped by a signal (Ctrl-C) as a failed call, not as git missing", async () => {
    const repo = gitRepo();
    const die = ["-c", "alias.die=!kill -INT $PPID", "die"];
    expect(await gitRaw(die, repo)).toMatchObject({ exitCode: 130, stderr: "git was stopped by SIGINT" });
    await expect(git(die, repo)).rejects.toThrow("git was stopped by SIGINT");
    await expect(git(die, repo)).rejects.toMatchObject({ hint: expect.stringContaining("interrupted") });
  });
});
