import { describe, expect, it } from "vitest";
import { activeServices, PLACEHOLDERS, relocate } from "./compose-model.js";

describe("the cached Compose model", () => {
  it("serves another workspace of the same files: project name and folder move, whole names only", () => {
    const a = { name: "nexus-feat-abc123", projectDir: "/r/.nexus/worktrees/feat" };
    const b = { name: "nexus-feat2-abc123", projectDir: "/r/.nexus/worktrees/feat2" };
    const model = JSON.stringify({
      name: a.name,
      networks: { default: { name: `${a.name}_default` } },
      services: { dev: { build: { context: `${a.projectDir}/dev` }, volumes: [{ source: a.projectDir }] } },
      other: "/r/.nexus/worktrees/feat2/x",
    });
    const stored = relocate(model, a, PLACEHOLDERS);
    expect(stored).not.toContain("worktrees/feat/");
    expect(stored).toContain("/r/.nexus/worktrees/feat2/x");
    const moved = JSON.parse(relocate(stored, PLACEHOLDERS, b));
    expect(moved).toEqual({
      name: b.name,
      networks: { default: { name: `${b.name}_default` } },
      services: { dev: { build: { context: `${b.projectDir}/dev` }, volumes: [{ source: b.projectDir }] } },
      other: "/r/.nexus/worktrees/feat2/x",
    });
  });

  it("starts runServices, or every service without a profile", () => {
    const model = { name: "p", services: { a: {}, b: { profiles: ["jobs"] }, c: {} } };
    expect(activeServices(model)).toEqual(["a", "c"]);
    expect(activeServices(model, ["b"])).toEqual(["b"]);
    const deps = { name: "p", services: { app: { depends_on: { db: {} } }, db: {}, cache: {} } };
    expect(activeServices(deps, ["app"])).toEqual(["app", "db"]);
  });
});
