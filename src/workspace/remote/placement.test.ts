import { describe, expect, it } from "vitest";
import { relocator } from "./placement.js";
import { controlDir } from "./ssh.js";

describe("relocator", () => {
  const relocate = relocator([
    ["/home/me/app", "/home/dev/.nexus-remote/abc/worktrees/x/app"],
    ["/usr/lib/nexus", "/home/dev/.nexus-remote/pkg/1234"],
  ]);

  it("moves this machine's checkout and package paths to the host's", () => {
    expect(relocate("source: /home/me/app\ntarget: /workspaces/app")).toBe(
      "source: /home/dev/.nexus-remote/abc/worktrees/x/app\ntarget: /workspaces/app",
    );
    expect(relocate("/home/me/app/compose.yaml")).toBe(
      "/home/dev/.nexus-remote/abc/worktrees/x/app/compose.yaml",
    );
    expect(relocate("/usr/lib/nexus/templates/_dev")).toBe("/home/dev/.nexus-remote/pkg/1234/templates/_dev");
  });

  it("leaves a longer name that only starts the same alone", () => {
    expect(relocate("/home/me/app2/x and /home/me/app.old")).toBe("/home/me/app2/x and /home/me/app.old");
  });

  it("moves a longer prefix first when one path holds the other", () => {
    const nested = relocator([
      ["/src", "/remote/wt"],
      ["/src/nexus", "/remote/pkg"],
    ]);
    expect(nested("/src/nexus/runtime /src/lib")).toBe("/remote/pkg/runtime /remote/wt/lib");
  });
});

describe("controlDir", () => {
  const paths = (dir: string) => ({ dir, config: "", knownHosts: "" });

  it("keeps the sockets in NEXUS_HOME when ssh's temporary socket name fits in 107 bytes", () => {
    expect(controlDir(paths("/home/me/.nexus/hosts"))).toBe("/home/me/.nexus/hosts");
  });

  it("moves them to /tmp when the temporary name would not fit (it was judged without it)", () => {
    const dir = `/tmp/${"h".repeat(42)}/.nexus/hosts`; // 61 bytes: cm-<40> fits, cm-<40>.<16> does not
    expect(controlDir(paths(dir))).toMatch(/nexus-cm-/);
  });
});
