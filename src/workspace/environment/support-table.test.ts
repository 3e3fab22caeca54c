import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../core/paths.js";
import { DEVCONTAINER_KEYS, ENVIRONMENT_SOURCES } from "./support-table.js";

describe("the template support table", () => {
  it("names only built-in templates that exist", () => {
    const builtIn = ENVIRONMENT_SOURCES.find((row) => row.source === "built-in template")!;
    const names = [...builtIn.choose.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names)
      expect(existsSync(`${packageRoot()}/templates/${name}/compose.yaml`)).toBe(true);
  });

  it("says for every devcontainer.json key whether it is supported", () => {
    for (const row of DEVCONTAINER_KEYS) expect(["supported", "ignored"]).toContain(row.support);
    expect(DEVCONTAINER_KEYS.some((row) => row.keys.includes("`image`"))).toBe(true);
  });
});
