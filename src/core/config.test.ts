import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/fs.js";
import { loadConfig, writeDefaultConfig } from "./config.js";
import { UsageError } from "./errors.js";
import { projectPaths } from "./paths.js";

function withConfig(text: string) {
  const root = tempDir();
  mkdirSync(join(root, ".nexus"));
  writeFileSync(join(root, ".nexus/config.yaml"), text);
  return projectPaths(root, join(root, ".git"));
}

function errorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    return error as UsageError;
  }
  throw new Error("expected an error");
}

describe("config.yaml", () => {
  it("uses defaults when the file is missing", () => {
    const config = loadConfig(projectPaths(tempDir(), "/x/.git"));
    expect(config).toMatchObject({ ports: { start: 41000, end: 41999 }, env: {}, workspaces: {} });
    expect(config.default_template).toBeUndefined();
  });

  it("writes what init found: a devcontainer.json or a compose file with its dev service", () => {
    const dc = withConfig("");
    writeDefaultConfig(dc.configFile, {
      gates: [],
      environment: { kind: "devcontainer", file: ".devcontainer/devcontainer.json" },
    });
    expect(loadConfig(dc).default_template).toBe("devcontainer");
    const compose = withConfig("");
    writeDefaultConfig(compose.configFile, {
      gates: [],
      environment: { kind: "compose", file: "docker-compose.yml", devService: "app" },
    });
    expect(loadConfig(compose)).toMatchObject({
      default_template: "compose",
      compose: {
        files: ["docker-compose.yml"],
        dev_service: "app",
        workspace_folder: "/workspace",
        ssh: true,
      },
    });
  });

  it("round-trips the default file written by init", () => {
    const paths = withConfig("");
    writeDefaultConfig(paths.configFile, { gates: ["npm test"] });
    expect(loadConfig(paths)).toMatchObject({ gates: ["npm test"], copy_files: [".env", ".env.local"] });
  });

  it("reports malformed YAML with file and line", () => {
    const error = errorOf(() => loadConfig(withConfig("ports:\n  start: [1,\n")));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/config\.yaml:\d+: invalid YAML/);
    expect(error.exitCode).toBe(2);
  });

  it.each([
    ["unknown: 1", "(top level)"],
    ["ports: { start: 5000, end: 4000 }", "ports"],
    ["ports: { start: 80, end: 90 }", "ports.start"],
    ["copy_files: ['../secret']", "copy_files.0"],
    ["copy_files: ['/etc/passwd']", "copy_files.0"],
  ])("rejects %j naming the field %s", (text, field) => {
    const error = errorOf(() => loadConfig(withConfig(text)));
    expect(error.message).toContain(`config.yaml: ${field}:`);
    expect(error.hint).toContain("config.yaml");
  });
});
