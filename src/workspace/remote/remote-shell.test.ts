import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { porcelainPaths } from "./mirror-pull.js";
import { gitUrl, said, shq } from "./remote-shell.js";

const host = { name: "far", url: "", user: "dev", hostname: "10.0.0.5", port: 22 };

describe("remote shell text", () => {
  it("quotes any value as one word the shell does not interpret", () => {
    for (const value of ["plain", "it's", "$(touch x)", "`x`", 'a "b" c', "new\nline", "'"]) {
      const echoed = execFileSync("sh", ["-c", `printf '%s' ${shq(value)}`], { encoding: "utf8" });
      expect(echoed).toBe(value);
    }
  });

  it("keeps the remote's last lines without escape sequences or control characters", () => {
    expect(said("ok\n\x1b[31mfatal: bad\x1b[0m\x07 thing\r\n")).toBe("ok / bad thing");
    expect(said("a\nb\nc\nd\n")).toBe("b / c / d");
  });

  it("reads porcelain -z paths, skipping the old path of a rename", () => {
    const output = " M README.md\0R  new.txt\0old.txt\0?? dir/\0?? bad\x1bname\0";
    expect(porcelainPaths(output)).toEqual(["README.md", "new.txt", "dir/", "bad?name"]);
  });

  it("puts IPv6 addresses in brackets in git URLs", () => {
    expect(gitUrl(host, "/home/dev/m")).toBe("ssh://10.0.0.5/home/dev/m");
    expect(gitUrl({ ...host, hostname: "fd00::5" }, "/m")).toBe("ssh://[fd00::5]/m");
  });
});
