import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";

/** The languages Nexus's own dev image is built for ("debian": none recognised, git and a shell). */
export type DevLanguageName = "node" | "python" | "go" | "ruby" | "java" | "php" | "rust" | "debian";

/** The language and version Nexus's own dev container is built with, as the repository asks. */
export interface DevLanguage {
  language: DevLanguageName;
  /** The build argument: a version (`22`, `22.11.0`, `1.23`, `3.11`) or a channel (`stable`). */
  version: string;
  /** For messages: `Node 22`. */
  label: string;
  /** What the repository asked for and in which file; absent when it names no version. */
  requested?: { version: string; file: string };
  /** Set when the version asked for cannot be had: what is used instead. */
  note?: string;
}

/** Manifests, in the order that decides a repository with several (package.json often only builds assets). */
const MANIFESTS: [DevLanguageName, string[]][] = [
  ["go", ["go.mod"]],
  ["rust", ["Cargo.toml"]],
  ["python", ["pyproject.toml", "requirements.txt", "setup.py", "setup.cfg", "Pipfile"]],
  ["ruby", ["Gemfile"]],
  ["php", ["composer.json"]],
  ["java", ["pom.xml", "build.gradle", "build.gradle.kts"]],
  ["node", ["package.json"]],
];

const NAMES: Record<DevLanguageName, string> = {
  node: "Node",
  python: "Python",
  go: "Go",
  ruby: "Ruby",
  java: "Java",
  php: "PHP",
  rust: "Rust",
  debian: "Debian",
};

/** Versions used when the repository names none (Node: the active LTS; Go: the current release). */
const DEFAULT_VERSIONS: Record<DevLanguageName, string> = {
  node: "24",
  python: "3.11",
  go: "1.27",
  ruby: "3.1",
  java: "17",
  php: "8.2",
  rust: "stable",
  debian: "bookworm",
};

/** Node LTS lines, preferred first when a range allows several. */
const NODE_LTS = [24, 22, 26, 20, 18];
const NODE_CODENAMES: Record<string, string> = {
  hydrogen: "18",
  iron: "20",
  jod: "22",
  krypton: "24",
};

/** Where each language keeps its version: the first file that names one wins. */
const VERSION_SOURCES: Record<DevLanguageName, ((root: string) => Requested | undefined)[]> = {
  node: [
    plain(".nvmrc"),
    plain(".node-version"),
    toolVersions("nodejs"),
    json("package.json", (p) => p.engines?.node),
  ],
  python: [
    plain(".python-version"),
    toolVersions("python"),
    matching("pyproject.toml", /^\s*requires-python\s*=\s*["']([^"']+)["']/m),
  ],
  go: [
    matching("go.mod", /^toolchain\s+go(\S+)/m),
    matching("go.mod", /^go\s+(\S+)/m),
    toolVersions("golang"),
  ],
  ruby: [plain(".ruby-version"), toolVersions("ruby"), matching("Gemfile", /^\s*ruby\s+["']([^"']+)["']/m)],
  java: [
    plain(".java-version"),
    toolVersions("java"),
    matching("pom.xml", /<(?:maven\.compiler\.release|maven\.compiler\.source|java\.version)>\s*([\d.]+)/),
  ],
  php: [toolVersions("php"), json("composer.json", (p) => p.require?.php)],
  rust: [
    matching("rust-toolchain.toml", /^\s*channel\s*=\s*["']([^"']+)["']/m),
    plain("rust-toolchain"),
    toolVersions("rust"),
  ],
  debian: [],
};

interface Requested {
  version: string;
  file: string;
}

/**
 * The repository's language (from its manifests) and the version it asks for (from its version files),
 * read from a few small files at its root: cheap enough for every create, and never cached.
 */
export function detectDevLanguage(root: string): DevLanguage {
  const language = MANIFESTS.find(([, files]) => files.some((f) => isFile(join(root, f))))?.[0] ?? "debian";
  let requested: Requested | undefined;
  for (const source of VERSION_SOURCES[language]) {
    requested = source(root);
    if (requested) break;
  }
  const { version, note } = resolveVersion(language, requested);
  return { language, version, label: `${NAMES[language]} ${version}`, requested, note };
}

/** The version to build for what was asked: the same one where it can be had, else the nearest and why. */
export function resolveVersion(
  language: DevLanguageName,
  requested?: Requested,
): { version: string; note?: string } {
  const fallback = DEFAULT_VERSIONS[language];
  if (!requested) return { version: fallback };
  const asked = requested.version.trim().replace(/^v(?=\d)/, "");
  const found = RESOLVERS[language](asked);
  if (found) return { version: found };
  return {
    version: fallback,
    note: `${requested.file} asks for ${NAMES[language]} ${asked.slice(0, 40)}, which Nexus's built-in image cannot provide: it uses ${NAMES[language]} ${fallback}.`,
  };
}

const RESOLVERS: Record<DevLanguageName, (asked: string) => string | undefined> = {
  node: nodeVersion,
  // Any Go release is a module on the Go proxy; `1.22` means its latest patch, `1.22.3` that one.
  go: (asked) => /^1\.\d+(\.\d+)?((rc|beta)\d+)?$/.exec(asked)?.[0],
  // Rust versions and channels all come from rustup.
  rust: (asked) =>
    /^(stable|beta|nightly(-\d{4}-\d\d-\d\d)?|1\.\d+(\.\d+)?)$/.test(asked) ? asked : undefined,
  // Debian bookworm's own packages: one version each.
  python: (asked) => debianOnly(asked, "3.11.2", "3.11"),
  ruby: (asked) => debianOnly(asked, "3.1.2", "3.1"),
  php: (asked) => debianOnly(asked, "8.2.7", "8.2"),
  java: (asked) => (asked.replace(/^1\./, "").split(".")[0] === "17" || asked === "17" ? "17" : undefined),
  debian: () => "bookworm",
};

/** Node versions all come from the npm registry; a range gets the newest LTS line it allows. */
function nodeVersion(asked: string): string | undefined {
  const alias = asked.toLowerCase();
  if (/^(lts\/\*|lts|node|stable|latest|current|\*)$/.test(alias)) return DEFAULT_VERSIONS.node;
  if (alias.startsWith("lts/")) return NODE_CODENAMES[alias.slice(4)];
  if (/^\d+(\.\d+){0,2}$/.test(asked)) return asked;
  const range = semver.validRange(asked, { loose: true });
  if (!range) return undefined;
  const line = NODE_LTS.find((major) => semver.intersects(range, `^${major}.0.0`, { loose: true }));
  return line ? String(line) : semver.minVersion(range)?.version;
}

/** One packaged version: asked exactly (`3.11`, `3.11.4`) or allowed by a range (`>=3.9`, `~=3.10`). */
function debianOnly(asked: string, packaged: string, version: string): string | undefined {
  if (asked === version || asked.startsWith(`${version}.`)) return version;
  if (/^\d+(\.\d+)*$/.test(asked)) return undefined;
  const range = semver.validRange(pep440ToSemver(asked), { loose: true });
  return range && semver.satisfies(packaged, range, { loose: true }) ? version : undefined;
}

/** `>=3.9,<4` and `~=3.10` (Python's specifiers) as npm-style ranges; `^3.1` (Composer) passes through. */
function pep440ToSemver(spec: string): string {
  return spec
    .split(",")
    .map((part) =>
      part
        .trim()
        .replace(/^~=\s*/, "^")
        .replace(/^==\s*/, "")
        .replace(/\.\*$/, ".x"),
    )
    .join(" ");
}

function isFile(path: string): boolean {
  return statOf(path)?.isFile() ?? false;
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined; // missing or unreadable: not a file Nexus reads
  }
}

/** A small text file from the repository (a FIFO or a huge file is not a version file). */
function readSmall(root: string, file: string): string | undefined {
  const path = join(root, file);
  const stat = statOf(path);
  if (!stat?.isFile() || stat.size > 1_000_000) return undefined;
  return readFileSync(path, "utf8");
}

function plain(file: string) {
  return (root: string): Requested | undefined => {
    const line = readSmall(root, file)
      ?.split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .find(Boolean);
    return line ? { version: line, file } : undefined;
  };
}

function matching(file: string, pattern: RegExp) {
  return (root: string): Requested | undefined => {
    const found = pattern.exec(readSmall(root, file) ?? "")?.[1];
    return found ? { version: found, file } : undefined;
  };
}

/** asdf's `.tool-versions`: `nodejs 22.11.0` lines. */
function toolVersions(tool: string) {
  return matching(".tool-versions", new RegExp(`^\\s*${tool}\\s+(\\S+)`, "m"));
}

// biome-ignore lint/suspicious/noExplicitAny: a manifest is whatever JSON the repository holds.
function json(file: string, pick: (parsed: any) => unknown) {
  return (root: string): Requested | undefined => {
    try {
      const value = pick(JSON.parse(readSmall(root, file) ?? "null") ?? {});
      return typeof value === "string" && value.trim() ? { version: value.trim(), file } : undefined;
    } catch {
      return undefined; // a broken manifest names no version
    }
  };
}
