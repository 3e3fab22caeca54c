import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, relative, resolve, sep } from "node:path";
import { gitRaw } from "../core/git.js";
import type { ComposeModel } from "./compose-model.js";
import type { Environment } from "./environment-types.js";
import { hashDirectory } from "./template-files.js";

/**
 * Services that build without naming an image get a tag from the content they build, so every
 * workspace of the same content shares one image: Compose builds it once, and a warm create starts
 * at once instead of building per Compose project.
 */
export async function builtImages(options: {
  model: ComposeModel;
  services: string[];
  env: Environment;
  worktree: string;
}): Promise<Record<string, string>> {
  const { model, env, worktree } = options;
  const images: Record<string, string> = {};
  for (const name of options.services) {
    const service = model.services[name];
    if (!service?.build || service.image) continue;
    const context = resolve(env.projectDir, service.build.context);
    const dockerfile = resolve(context, service.build.dockerfile ?? "Dockerfile");
    const recipe = JSON.stringify([service.build.args ?? {}, service.build.target ?? "", dockerfile]);
    const content =
      context.startsWith(worktree + sep) || context === worktree
        ? await committedContent(worktree, context)
        : hashDirectory(context, existsSync(dockerfile) ? readFileSync(dockerfile, "utf8") : "");
    const hash = createHash("sha256").update(recipe).update(content);
    if (existsSync(dockerfile)) hash.update(readFileSync(dockerfile));
    images[name] =
      `nexus/${slug(env.kind === "template" ? env.name : basename(worktree))}-${slug(name)}:${hash.digest("hex").slice(0, 12)}`;
  }
  return images;
}

/**
 * A build context inside the worktree (often the whole repository) is keyed by git's tree of it plus
 * the uncommitted changes in it: no walk over node_modules or build output.
 */
async function committedContent(worktree: string, context: string): Promise<string> {
  const rel = relative(worktree, context) || ".";
  const [tree, dirty] = await Promise.all([
    gitRaw(["rev-parse", `HEAD:${rel === "." ? "" : rel}`], worktree),
    gitRaw(["status", "--porcelain", "--", rel], worktree),
  ]);
  return `${tree.stdout.trim()}\0${dirty.stdout}`;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 30) || "x"
  );
}
