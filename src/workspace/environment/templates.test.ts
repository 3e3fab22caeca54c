import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../../test/helpers/fs.js";
import type { NexusError } from "../../core/errors.js";
import { listTemplateNames, loadTemplate } from "./templates.js";

// Parsed templates are cached under NEXUS_HOME: a fresh one per test, never the real one.
beforeEach(() => {
  process.env.NEXUS_HOME = join(tempDir(), ".nexus");
});

function templates(files: Record<string, string>): string {
  const dir = join(tempDir(), "templates");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function loadError(name: string, dir: string): Promise<NexusError> {
  try {
    await loadTemplate(name, dir);
  } catch (error) {
    return error as NexusError;
  }
  throw new Error("expected an error");
}

describe("built-in templates", () => {
  it.each(["node-postgres", "go-postgres", "python-postgres"])(
    "%s is an ordinary compose file with a dev service, ssh and a database",
    async (name) => {
      const t = await loadTemplate(name, "/nonexistent");
      expect(t.kind).toBe("template");
      expect(t.files).toHaveLength(1);
      expect(t.files[0]).toMatch(new RegExp(`templates/${name}/compose.yaml$`));
      expect(t.devService).toBe("dev");
      expect(t.ssh).toBe(true);
      expect(t.workspaceFolder).toBe("/workspace");
      expect(t.services?.sort()).toEqual(["db", "dev"]);
      // Compose leaves $${X} alone; Nexus fills it in for `ports`.
      expect(t.hostEnv.DATABASE_URL).toBe("postgresql://nexus:nexus@127.0.0.1:${NEXUS_PORT_POSTGRES}/app");
      expect((await loadTemplate(name, "/nonexistent")).hash).toBe(t.hash);
    },
  );

  it("lists built-ins and skips folders starting with _", async () => {
    const names = listTemplateNames("/nonexistent").map((t) => t.name);
    expect(names).toEqual(["go-postgres", "node-postgres", "python-postgres"]);
  });
});

describe("project templates", () => {
  it("override a built-in of the same name and extend another (Compose merges the files)", async () => {
    const dir = templates({
      "node-postgres/compose.yaml": "services:\n  app:\n    image: alpine\n",
      "plus/compose.yaml":
        "services:\n  cache:\n    image: redis\n    ports: ['6379']\nx-nexus:\n  extends: go-postgres\n  host_env:\n    REDIS: 127.0.0.1:$${NEXUS_PORT_CACHE}\n",
    });
    expect((await loadTemplate("node-postgres", dir)).services).toEqual(["app"]);
    const plus = await loadTemplate("plus", dir);
    expect(plus.services?.sort()).toEqual(["cache", "db", "dev"]);
    expect(plus.files).toEqual([
      expect.stringMatching(/go-postgres\/compose.yaml$/),
      join(dir, "plus/compose.yaml"),
    ]);
    expect(plus.projectDir).toMatch(/templates\/go-postgres$/);
    expect(plus.hostEnv).toMatchObject({
      DATABASE_URL: expect.any(String),
      REDIS: "127.0.0.1:${NEXUS_PORT_CACHE}",
    });
    expect(plus.devService).toBe("dev");
    expect(listTemplateNames(dir).find((t) => t.name === "node-postgres")?.source).toBe("project");
  });

  it.each([
    ["bad yaml", "services:\n  app: [\n", /compose\.yaml:\d+: invalid YAML/],
    [
      "unknown x-nexus key",
      "services:\n  app:\n    image: a\nx-nexus:\n  dev: app\n",
      /x-nexus: Unrecognized key/,
    ],
    [
      "bad dev",
      "services:\n  app:\n    image: a\nx-nexus:\n  dev_service: web\n",
      /x-nexus\.dev_service: no service named "web"/,
    ],
    [
      "relative folder",
      "services:\n  app:\n    image: a\nx-nexus:\n  workspace_folder: src\n",
      /x-nexus\.workspace_folder/,
    ],
  ])("rejects %s naming file and field, with a hint", async (_, text, pattern) => {
    const dir = templates({ "broken/compose.yaml": text });
    const error = await loadError("broken", dir);
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(join(dir, "broken", "compose.yaml"));
    expect(error.hint).toContain("Nothing was created");
    expect(error.exitCode).toBe(2);
  });

  it("refuses unknown and path-like template names", async () => {
    expect((await loadError("nope", "/nonexistent")).message).toContain('Unknown template "nope"');
    expect((await loadError("nope", "/nonexistent")).hint).toContain("devcontainer");
    expect((await loadError("../etc", "/nonexistent")).message).toContain("Invalid template name");
  });

  it("takes post_create/post_start as a string, shell strings or argv arrays", async () => {
    const dir = templates({
      "hooks/compose.yaml":
        "services:\n  dev:\n    image: a\nx-nexus:\n  post_create: npm ci\n  post_start: ['echo hi', ['git', 'status']]\n",
    });
    const t = await loadTemplate("hooks", dir);
    expect(t.postCreate).toEqual(["npm ci"]);
    expect(t.postStart).toEqual(["echo hi", ["git", "status"]]);
  });
});

describe("the parse cache", () => {
  const cacheDir = () => join(process.env.NEXUS_HOME ?? "", "cache", "templates");

  it("keeps a parsed file by its content: the same text is not parsed again, a changed one is", async () => {
    const dir = templates({ "one/compose.yaml": "services:\n  dev:\n    image: a\n" });
    expect((await loadTemplate("one", dir)).services).toEqual(["dev"]);
    const [entry] = readdirSync(cacheDir());
    expect(entry).toMatch(/^template-1-[0-9a-f]{64}\.json$/);
    const cached = JSON.parse(readFileSync(join(cacheDir(), entry ?? ""), "utf8"));
    expect(cached.services).toEqual(["dev"]);
    // What is served is the cached parse: an entry edited by hand shows through.
    writeFileSync(join(cacheDir(), entry ?? ""), JSON.stringify({ ...cached, services: ["cached"] }));
    expect((await loadTemplate("one", dir)).services).toEqual(["cached"]);
    // An entry of another shape is not trusted: the file is parsed again.
    writeFileSync(join(cacheDir(), entry ?? ""), JSON.stringify({ services: ["broken"], block: {} }));
    expect((await loadTemplate("one", dir)).services).toEqual(["dev"]);
    writeFileSync(join(dir, "one/compose.yaml"), "services:\n  web:\n    image: a\n");
    expect((await loadTemplate("one", dir)).services).toEqual(["web"]);
    expect(readdirSync(cacheDir())).toHaveLength(2);
  });

  it("never caches a file that does not parse, and still works when the cache cannot be written", async () => {
    const dir = templates({ "bad/compose.yaml": "services: [\n", "ok/compose.yaml": "services: {}\n" });
    expect((await loadError("bad", dir)).exitCode).toBe(2);
    expect(() => readdirSync(cacheDir())).toThrow();
    const file = join(tempDir(), "a-file");
    writeFileSync(file, "");
    process.env.NEXUS_HOME = join(file, ".nexus"); // below a file: no folder can be made there
    expect((await loadTemplate("ok", dir)).services).toEqual([]);
  });
});
