import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/fs.js";
import type { NexusError } from "../core/errors.js";
import { listTemplateNames, loadTemplate } from "./templates.js";

function templates(files: Record<string, string>): string {
  const dir = join(tempDir(), "templates");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function loadError(name: string, dir: string): NexusError {
  try {
    loadTemplate(name, dir);
  } catch (error) {
    return error as NexusError;
  }
  throw new Error("expected an error");
}

describe("built-in templates", () => {
  it.each(["node-postgres", "go-postgres", "python-postgres"])(
    "%s loads with a dev service, ssh and a healthy database",
    (name) => {
      const t = loadTemplate(name, "/nonexistent");
      expect(t.source).toBe("builtin");
      expect(t.devService).toBe("dev");
      expect(t.compose["x-nexus"].ssh).toBe(true);
      expect(t.services.find((s) => s.name === "db")?.healthcheck).toBeDefined();
      expect(t.services.find((s) => s.name === "db")?.imageRef).toMatch(
        /^nexus\/shared-postgres:[0-9a-f]{12}$/,
      );
      expect(loadTemplate(name, "/nonexistent").hash).toBe(t.hash);
    },
  );

  it("lists built-ins and skips folders starting with _", () => {
    const names = listTemplateNames("/nonexistent").map((t) => t.name);
    expect(names).toEqual(["go-postgres", "node-postgres", "python-postgres"]);
  });
});

describe("project templates", () => {
  it("override a built-in of the same name and extend another", () => {
    const dir = templates({
      "node-postgres/compose.yaml": "services:\n  app:\n    image: alpine\n",
      "plus/compose.yaml":
        "services:\n  cache:\n    image: redis\n    ports: ['6379']\nx-nexus:\n  extends: go-postgres\n  host_env:\n    REDIS: 127.0.0.1:${NEXUS_PORT_CACHE}\n",
    });
    expect(loadTemplate("node-postgres", dir).services.map((s) => s.name)).toEqual(["app"]);
    const plus = loadTemplate("plus", dir);
    expect(plus.services.map((s) => s.name).sort()).toEqual(["cache", "db", "dev"]);
    expect(plus.compose["x-nexus"].host_env).toMatchObject({
      DATABASE_URL: expect.any(String),
      REDIS: expect.any(String),
    });
    expect(plus.devService).toBe("dev");
    expect(listTemplateNames(dir).find((t) => t.name === "node-postgres")?.source).toBe("project");
  });

  it.each([
    ["bad yaml", "services:\n  app: [\n", /compose\.yaml:\d+: invalid YAML/],
    ["no image", "services:\n  app:\n    command: x\n", /services\.app: needs `image` or `build`/],
    [
      "unknown key",
      "services:\n  app:\n    image: a\n    privileged: true\n",
      /services\.app: Unrecognized key/,
    ],
    ["host port", "services:\n  app:\n    image: a\n    ports: ['8080:80']\n", /services\.app\.ports\.0/],
    [
      "bad dep",
      "services:\n  app:\n    image: a\n    depends_on: [db]\n",
      /depends_on: no service named "db"/,
    ],
    [
      "cycle",
      "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
      /depends_on cycle: a -> b -> a/,
    ],
    [
      "undeclared volume",
      "services:\n  app:\n    image: a\n    volumes: ['data:/d']\n",
      /volume "data" is not declared/,
    ],
    [
      "escaping bind",
      "services:\n  app:\n    image: a\n    volumes: ['../../etc:/etc']\n",
      /must not leave the worktree/,
    ],
    [
      "bad dev",
      "services:\n  app:\n    image: a\nx-nexus:\n  dev_service: web\n",
      /x-nexus\.dev_service: no service named "web"/,
    ],
    [
      "escaping context",
      "services:\n  app:\n    build: ../../elsewhere\n",
      /points outside the templates folder/,
    ],
    ["missing dockerfile", "services:\n  app:\n    build: ./dev\n", /no Dockerfile in dev/],
    [
      "bad duration",
      "services:\n  app:\n    image: a\n    healthcheck:\n      test: 'true'\n      interval: soon\n",
      /healthcheck\.interval/,
    ],
  ])("rejects %s naming file and field, with a hint", (_, text, pattern) => {
    const dir = templates({ "broken/compose.yaml": text, "broken/dev/.keep": "" });
    const error = loadError("broken", dir);
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(join(dir, "broken", "compose.yaml"));
    expect(error.hint).toContain("Nothing was created");
    expect(error.exitCode).toBe(2);
  });

  it("refuses unknown and path-like template names", () => {
    expect(loadError("nope", "/nonexistent").message).toContain('Unknown template "nope"');
    expect(loadError("../etc", "/nonexistent").message).toContain("Invalid template name");
  });

  it("normalises Compose shorthands", () => {
    const dir = templates({
      "short/compose.yaml": [
        "services:",
        "  app:",
        "    image: a",
        "    environment: ['A=1', 'B=x=y']",
        "    depends_on: [db]",
        "    command: echo hi",
        "    healthcheck: { test: 'true', interval: 1m30s }",
        "  db:",
        "    image: b",
        "    environment: { PORT: 5432, EMPTY: null, FLAG: true }",
      ].join("\n"),
    });
    const t = loadTemplate("short", dir);
    const app = t.services.find((s) => s.name === "app")!;
    expect(app.environment).toEqual({ A: "1", B: "x=y" });
    expect(app.depends_on).toEqual({ db: { condition: "service_started" } });
    expect(app.healthcheck?.test).toEqual(["CMD-SHELL", "true"]);
    expect(t.services.find((s) => s.name === "db")!.environment).toEqual({
      PORT: "5432",
      EMPTY: "",
      FLAG: "true",
    });
    expect(t.devService).toBeUndefined();
  });
});
