import { describe, expect, it } from "vitest";
import { relocator } from "./placement.js";
import { shellQuote } from "./ssh.js";

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

describe("shellQuote", () => {
  it("keeps plain words and quotes everything else as one word", () => {
    expect(shellQuote("compose")).toBe("compose");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
    expect(shellQuote("")).toBe("''");
  });
});
