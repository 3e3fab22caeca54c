import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers/fs.js";

const root = new URL("..", import.meta.url).pathname;
const site = join(root, "site");
const hasChromium = spawnSync("chromium", ["--version"]).status === 0;
if (!hasChromium && process.env.CI) throw new Error("CI is set but chromium is not installed");
/** Screenshots stay after the run, for a person to look at. */
const shots = join(tmpdir(), "nexus-docs-screenshots");
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};
let server: Server;
let base: string;

function serve(): Promise<string> {
  server = createServer((request, response) => {
    let file = join(site, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!file.startsWith(site) || !existsSync(file)) return response.writeHead(404).end();
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

/** Chromium runs asynchronously: the site is served by this process, which must keep answering. */
async function chromium(args: string[]): Promise<string> {
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
  ];
  const profile = `--user-data-dir=${join(tempDir(), "profile")}`;
  const { stdout } = await promisify(execFile)("chromium", [...flags, profile, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function look(path: string, name: string): Promise<string> {
  const shot = join(shots, `${name}.png`);
  await chromium([
    `--screenshot=${shot}`,
    "--window-size=1280,900",
    "--virtual-time-budget=5000",
    `${base}${path}`,
  ]);
  expect(statSync(shot).size).toBeGreaterThan(20_000);
  return chromium(["--dump-dom", "--virtual-time-budget=5000", `${base}${path}`]);
}

beforeAll(async () => {
  // The same strict build as `npm run docs`: a warning or a broken link fails it.
  const build = spawnSync(process.execPath, ["scripts/docs-build.mjs"], { cwd: root, encoding: "utf8" });
  expect(build.status, build.stdout + build.stderr).toBe(0);
  mkdirSync(shots, { recursive: true });
  base = await serve();
});
afterAll(() => server?.close());

describe.skipIf(!hasChromium)("the documentation site in headless Chromium", () => {
  it("renders the home page with the navigation tabs", async () => {
    const dom = await look("/", "home");
    expect(dom).toContain("Nexus is a command-line tool for building software with AI coding agents");
    for (const tab of [
      "Getting Started",
      "Core Concepts",
      "User Guide",
      "Development",
      "Roadmap",
      "Changelog",
    ])
      expect(dom).toContain(tab);
  });

  it("renders the CLI reference with every command group", async () => {
    const dom = await look("/cli/", "cli-reference");
    for (const id of ["nexus-workspace-create", "nexus-task-complete", "nexus-ralph-run", "nexus-completion"])
      expect(dom).toContain(`id="${id}"`);
  });

  it("finds a command name through the search index", async () => {
    const index = (await (await fetch(`${base}/search.json`)).json()) as {
      items: { location: string; title: string }[];
    };
    const hit = index.items.find((item) => item.title.includes("nexus workspace create"));
    expect(hit?.location).toBe("cli/#nexus-workspace-create");
    // search.highlight: the page loads the index and marks the searched term.
    const dom = await look("/cli/?h=completion", "search-highlight");
    expect((dom.match(/<mark data-md-highlight="">completion<\/mark>/g) ?? []).length).toBeGreaterThan(2);
  });
});
