import { describe, expect, it } from "vitest";
import { type LandStep, ordered } from "./plan.js";

const step = (id: string, priority: number): LandStep => ({
  id,
  title: id,
  priority,
  workspace: id,
  branch: `nexus/${id}`,
  verified: "0".repeat(40),
  ahead: 1,
});

describe("the landing order", () => {
  it("puts dependencies first, then priority, then id; ignores dependencies not in the queue", () => {
    const steps = [step("nx-c", 0), step("nx-b", 2), step("nx-a", 2), step("nx-d", 1)];
    const deps = new Map([
      ["nx-c", ["nx-b", "nx-gone"]],
      ["nx-d", []],
    ]);
    expect(ordered(steps, deps).map((s) => s.id)).toEqual(["nx-b", "nx-c", "nx-d", "nx-a"]);
  });

  it("survives a dependency cycle, placing each task once", () => {
    const steps = [step("nx-a", 1), step("nx-b", 1)];
    const deps = new Map([
      ["nx-a", ["nx-b"]],
      ["nx-b", ["nx-a"]],
    ]);
    expect(ordered(steps, deps).map((s) => s.id)).toEqual(["nx-b", "nx-a"]);
  });
});
