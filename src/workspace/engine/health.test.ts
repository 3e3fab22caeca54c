import { describe, expect, it } from "vitest";
import { healthOnStart } from "./health.js";

const ref = { repoId: "abcdef123456", workspace: "feat" };

describe("healthOnStart", () => {
  it("starts a service's health wait when Compose says its container started, once, and others at the end", async () => {
    const asked: number[] = [];
    const never = () => {
      asked.push(asked.length);
      return new Promise<void>(() => undefined);
    };
    const health = healthOnStart(ref, ["db", "cache"], never);
    health.onLine("Container nexus-feat-abcdef-db-1  Creating");
    expect(asked).toHaveLength(0);
    health.onLine("Container nexus-feat-abcdef-db-1  Started");
    health.onLine("Container nexus-feat-abcdef-db-1  Started");
    health.onLine("Container nexus-other-abcdef-cache-1  Started");
    expect(asked).toHaveLength(1);
    void health.all();
    expect(asked).toHaveLength(2);
    health.abort();
  });
});
