import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gitRepo } from "../../../test/helpers/fs.js";
import type { ComposeModel } from "../engine/compose-model.js";
import { builtImages } from "./images.js";
import type { Environment } from "./types.js";

const files = { "app/Dockerfile": "FROM debian:bookworm-slim\nCOPY . /src\n", "app/main.sh": "echo hi\n" };

async function tagOf(repo: string, build: { context: string; dockerfile?: string } = { context: "app" }) {
  const model = { name: "p", services: { app: { build: { ...build, context: join(repo, build.context) } } } };
  const env = { projectDir: repo, kind: "compose", name: "compose" } as Environment;
  const images = await builtImages({ model: model as ComposeModel, services: ["app"], env, worktree: repo });
  return images.app!;
}

describe("content-tagged images", () => {
  it("tags by build inputs only: two repositories of the same content share one tag, labelled", async () => {
    const [a, b] = await Promise.all([tagOf(gitRepo({ ...files, "README.md": "a" })), tagOf(gitRepo(files))]);
    expect(a.tag).toMatch(/^nexus\/build:[0-9a-f]{16}$/);
    expect(b.tag).toBe(a.tag);
    expect(a.labels).toEqual({ "nexus.image": "1", "nexus.image.content": a.tag.split(":")[1] });
  });

  it("gives an edited or untracked file in the context, or another Dockerfile, a new tag", async () => {
    const repo = gitRepo(files);
    const clean = (await tagOf(repo)).tag;
    writeFileSync(join(repo, "app/main.sh"), "echo changed\n");
    const edited = (await tagOf(repo)).tag;
    writeFileSync(join(repo, "app/main.sh"), "echo again\n");
    expect(new Set([clean, edited, (await tagOf(repo)).tag]).size).toBe(3);
    writeFileSync(join(repo, "app/new.txt"), "x");
    expect((await tagOf(repo)).tag).not.toBe(clean);
    writeFileSync(join(repo, "app/Other.Dockerfile"), "FROM debian:bookworm-slim\n");
    const other = await tagOf(repo, { context: "app", dockerfile: "Other.Dockerfile" });
    expect(other.tag).not.toBe((await tagOf(repo)).tag);
  });
});
