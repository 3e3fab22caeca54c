import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectDevLanguage, resolveVersion } from "./dev-language.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A repository root holding these files. */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "nexus-lang-"));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const detect = (files: Record<string, string>) => detectDevLanguage(repo(files));

describe("the language of Nexus's own dev container", () => {
  it("comes from the manifest, each language's own", () => {
    expect(detect({ "package.json": "{}" }).language).toBe("node");
    for (const f of ["pyproject.toml", "requirements.txt", "setup.py"])
      expect(detect({ [f]: "" }).language).toBe("python");
    expect(detect({ "go.mod": "module x\n" }).language).toBe("go");
    expect(detect({ Gemfile: "" }).language).toBe("ruby");
    for (const f of ["pom.xml", "build.gradle"]) expect(detect({ [f]: "" }).language).toBe("java");
    expect(detect({ "composer.json": "{}" }).language).toBe("php");
    expect(detect({ "Cargo.toml": "" }).language).toBe("rust");
  });

  it("is plain Debian when nothing is recognised", () => {
    expect(detect({ "README.md": "hi" })).toMatchObject({ language: "debian", label: "Debian bookworm" });
  });

  it("prefers the language over a package.json that only builds assets", () => {
    expect(detect({ "package.json": "{}", "pyproject.toml": "" }).language).toBe("python");
    expect(detect({ "package.json": "{}", Gemfile: "" }).language).toBe("ruby");
    expect(detect({ "package.json": "{}", "composer.json": "{}" }).language).toBe("php");
  });

  it("ignores a manifest that is a folder", () => {
    expect(detect({ "go.mod/x": "", "package.json": "{}" }).language).toBe("node");
  });
});

describe("the Node version", () => {
  it("is the active LTS when the repository names none", () => {
    expect(detect({ "package.json": "{}" })).toMatchObject({ version: "24", label: "Node 24" });
  });

  it("comes from .nvmrc, .node-version, .tool-versions, engines, in that order", () => {
    const pkg = JSON.stringify({ engines: { node: ">=18" } });
    expect(detect({ "package.json": pkg })).toMatchObject({
      version: "24",
      requested: { file: "package.json", version: ">=18" },
    });
    expect(detect({ "package.json": pkg, ".tool-versions": "python 3.11\nnodejs 20.11.1\n" }).version).toBe(
      "20.11.1",
    );
    expect(
      detect({ "package.json": pkg, ".node-version": "v21.7.0\n", ".tool-versions": "nodejs 20" }).version,
    ).toBe("21.7.0");
    expect(detect({ "package.json": pkg, ".nvmrc": "22 # LTS\n", ".node-version": "21" })).toMatchObject({
      version: "22",
      label: "Node 22",
      requested: { file: ".nvmrc", version: "22" },
    });
  });

  it("reads aliases and ranges", () => {
    const node = (version: string) => resolveVersion("node", { version, file: ".nvmrc" }).version;
    expect(node("lts/*")).toBe("24");
    expect(node("lts/jod")).toBe("22");
    expect(node("lts/iron")).toBe("20");
    expect(node("^20 || ^22")).toBe("22");
    expect(node(">=20.0.0 <23")).toBe("22");
    expect(node("18.x")).toBe("18");
    expect(node("^16.14.0")).toBe("16.14.0");
  });

  it("falls back to the LTS and says so when the version cannot be read", () => {
    const found = resolveVersion("node", { version: "lts/nonsense", file: ".nvmrc" });
    expect(found.version).toBe("24");
    expect(found.note).toMatch(/\.nvmrc asks for Node lts\/nonsense.*uses Node 24/);
  });

  it("ignores a broken package.json", () => {
    expect(detect({ "package.json": "{ nope" })).toMatchObject({ language: "node", version: "24" });
  });
});

describe("other languages' versions", () => {
  it("Python: .python-version, then requires-python; 3.11 is what Debian has", () => {
    expect(detect({ "pyproject.toml": 'requires-python = ">=3.9,<4"\n' })).toMatchObject({
      version: "3.11",
      note: undefined,
    });
    expect(detect({ "pyproject.toml": 'requires-python = "~=3.10"\n' }).note).toBeUndefined();
    expect(detect({ "requirements.txt": "", ".python-version": "3.11.4\n" }).note).toBeUndefined();
    const newer = detect({ "pyproject.toml": 'requires-python = ">=3.9"', ".python-version": "3.12\n" });
    expect(newer).toMatchObject({ version: "3.11", requested: { file: ".python-version", version: "3.12" } });
    expect(newer.note).toMatch(/\.python-version asks for Python 3\.12.*uses Python 3\.11/);
    expect(detect({ "pyproject.toml": 'requires-python = ">=3.12"' }).note).toMatch(/pyproject\.toml/);
  });

  it("Go: the toolchain line, then the go line, then .tool-versions", () => {
    expect(detect({ "go.mod": "module x\n\ngo 1.22\n" })).toMatchObject({
      version: "1.22",
      label: "Go 1.22",
    });
    expect(detect({ "go.mod": "module x\ngo 1.22.0\ntoolchain go1.23.4\n" }).version).toBe("1.23.4");
    expect(detect({ "go.mod": "module x\n", ".tool-versions": "golang 1.21.5" }).version).toBe("1.21.5");
    expect(detect({ "go.mod": "module x\n" }).version).toBe("1.27");
  });

  it("Ruby, PHP and Java: Debian's one version, a note when another is asked for", () => {
    expect(detect({ Gemfile: 'ruby "3.1.2"\n' }).note).toBeUndefined();
    expect(detect({ Gemfile: "", ".ruby-version": "3.3.0" })).toMatchObject({
      version: "3.1",
      note: expect.stringContaining(".ruby-version asks for Ruby 3.3.0"),
    });
    expect(detect({ "composer.json": JSON.stringify({ require: { php: "^8.1" } }) }).note).toBeUndefined();
    expect(detect({ "composer.json": JSON.stringify({ require: { php: "^7.4" } }) }).note).toMatch(
      /PHP 8\.2/,
    );
    const pom =
      "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>";
    expect(detect({ "pom.xml": pom })).toMatchObject({
      version: "17",
      note: expect.stringMatching(/Java 21/),
    });
    expect(detect({ "build.gradle": "", ".java-version": "17" }).note).toBeUndefined();
  });

  it("Rust: rust-toolchain.toml's channel, any release", () => {
    expect(
      detect({ "Cargo.toml": "", "rust-toolchain.toml": '[toolchain]\nchannel = "1.79.0"\n' }).version,
    ).toBe("1.79.0");
    expect(detect({ "Cargo.toml": "", "rust-toolchain": "nightly-2024-05-01\n" }).version).toBe(
      "nightly-2024-05-01",
    );
    expect(detect({ "Cargo.toml": "" }).version).toBe("stable");
  });
});
