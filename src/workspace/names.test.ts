import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.js";
import { branchName, projectName, validateWorkspaceName } from "./names.js";

describe("workspace names", () => {
  it.each(["a", "feature-auth", "x1", "a".repeat(40), "0-9"])("accepts %j", (name) => {
    expect(validateWorkspaceName(name)).toBe(name);
  });

  it.each(["", "A", "feat_x", "../x", "a/b", "-a", "a-", "a--b", "a".repeat(41), "a b", ".."])(
    "refuses %j with exit code 2",
    (name) => {
      const error = (() => {
        try {
          validateWorkspaceName(name);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).hint).toContain("lowercase");
    },
  );

  it("derives branch and compose project names", () => {
    expect(branchName("feat")).toBe("nexus/feat");
    expect(projectName({ repoId: "3f9a0c55aa11", workspace: "feat" })).toBe("nexus-feat-3f9a0c");
    expect(projectName({ repoId: "77aa00bb11cc", workspace: "feat" })).not.toBe(
      projectName({ repoId: "3f9a0c55aa11", workspace: "feat" }),
    );
  });

  it("never echoes a huge invalid name whole", () => {
    expect(() => validateWorkspaceName("X".repeat(100_000))).toThrow(/\(100000 characters\)\.$/);
  });
});
