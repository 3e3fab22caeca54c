import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CorpusEntry, manifest, REAL } from "./helpers/corpus.js";

/**
 * Issue 19, acceptance 1 (the corpus itself): at least 25 real compose files, at least 5 outside the
 * repository root, 5 with no service to work in, 3 with override files and 2 with profiles. The
 * manifest's classification is checked against the files, so a count cannot be met by a wrong label.
 */
const entries = manifest();
const compose = entries.filter((e) => e.kind === "compose");
const withFiles = entries.filter((e) => e.files.length > 0);

type Services = Record<string, { profiles?: string[]; image?: string }>;

function services(entry: CorpusEntry): Services {
  const out: Services = {};
  for (const file of entry.files) {
    const doc = parse(readFileSync(join(REAL, entry.dir, file), "utf8"), { merge: true }) as {
      services?: Services;
    };
    for (const [name, spec] of Object.entries(doc?.services ?? {})) out[name] = { ...out[name], ...spec };
  }
  return out;
}

describe("the real compose corpus (issue 19 counts)", () => {
  it("has at least 25 compose fixtures (plus the devcontainers' compose files)", () => {
    expect(compose.length).toBeGreaterThanOrEqual(25);
    expect(withFiles.length).toBeGreaterThanOrEqual(29);
  });

  it("has at least 5 compose files outside the root, laid out at their real paths", () => {
    const sub = withFiles.filter((e) => e.location === "sub");
    expect(sub.map((e) => e.dir).length).toBeGreaterThanOrEqual(5);
    expect(compose.filter((e) => e.location === "sub").length).toBeGreaterThanOrEqual(5);
  });

  it("has at least 5 files with no service to work in", () => {
    expect(compose.filter((e) => e.devService === null).length).toBeGreaterThanOrEqual(5);
  });

  it("has at least 3 fixtures with an override file Compose reads by default", () => {
    expect(compose.filter((e) => e.override).length).toBeGreaterThanOrEqual(3);
  });

  it("has at least 2 fixtures with profiles", () => {
    expect(compose.filter((e) => (e.profiles ?? []).length > 0).length).toBeGreaterThanOrEqual(2);
  });

  it.each(withFiles.map((e) => [e.dir, e] as const))("%s: the labels match the files", (_dir, entry) => {
    for (const file of entry.files) expect(existsSync(join(REAL, entry.dir, file)), file).toBe(true);
    expect(entry.location).toBe(dirname(entry.files[0]!) === "." ? "root" : "sub");
    const first = entry.files[0]!;
    const override = first.replace(/(\.ya?ml)$/, ".override$1");
    expect(entry.override, "override flag").toBe(entry.files.includes(override));
    const all = services(entry);
    const declared = [...new Set(Object.values(all).flatMap((s) => s.profiles ?? []))].sort();
    expect(declared, "profiles").toEqual([...(entry.profiles ?? [])].sort());
    if (entry.devService) expect(Object.keys(all)).toContain(entry.devService);
    // Every registry image is a local stand-in (or a tag of a local build): nothing is pulled.
    for (const [name, spec] of Object.entries(all))
      if (spec.image && !/\$\{|^nexus-fixture\//.test(spec.image))
        expect(spec.image, `${name}: image`).not.toMatch(/^(docker\.io|ghcr\.io|mcr\.|quay\.io|gcr\.io)/);
  });

  it("runnable fixtures name a stand-in Dockerfile for every stand-in image they use", () => {
    for (const entry of compose.filter((e) => e.runnable)) {
      const images = Object.values(services(entry))
        .map((s) => s.image)
        .filter((i): i is string => Boolean(i?.startsWith("nexus-fixture/")));
      for (const image of images) {
        const folder = entry.images?.[image];
        expect(folder, `${entry.dir}: ${image} has a stand-in`).toBeDefined();
        expect(existsSync(join(REAL, folder!, "Dockerfile")), `${entry.dir}: ${folder}`).toBe(true);
      }
    }
  });
});
