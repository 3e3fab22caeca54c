import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { gitRaw } from "../../core/git.js";
import type { ComposeModel } from "../engine/compose-model.js";
import { hashDirectory } from "./template-files.js";
import type { Environment } from "./types.js";

/** Labels on every image Nexus builds for a workspace: `prune` finds them (and only them) by these. */
export const IMAGE_LABELS = { nexus: "nexus.image", content: "nexus.image.content" } as const;

/** A content-tagged image: its tag, and the labels its build gets. */
export interface BuiltImage {
  tag: string;
  labels: Record<string, string>;
}

/** The tag and labels of an image Nexus builds, from the digest of its build inputs (image-prune.ts reads them). */
export function contentImage(digest: string): BuiltImage {
  return {
    tag: `nexus/build:${digest}`,
    labels: { [IMAGE_LABELS.nexus]: "1", [IMAGE_LABELS.content]: digest },
  };
}

/**
 * Services that build without naming an image get a tag from what they build and nothing else (the
 * Dockerfile, the context's content, args, target): every workspace of the same content, in any
 * repository, shares one image; Compose builds it once, and a warm create starts at once. A service
 * that names its image keeps the project's name: other services may run that image by name.
 */
export async function builtImages(options: {
  model: ComposeModel;
  services: string[];
  env: Environment;
  worktree: string;
}): Promise<Record<string, BuiltImage>> {
  const { model, env, worktree } = options;
  const images: Record<string, BuiltImage> = {};
  for (const name of options.services) {
    const service = model.services[name];
    if (!service?.build || service.image) continue;
    const context = resolve(env.projectDir, service.build.context);
    const dockerfile = resolve(context, service.build.dockerfile ?? "Dockerfile");
    // Where the files are on this machine is no input: the Dockerfile's place in the context is.
    const where = isAbsolute(service.build.dockerfile ?? "") ? "" : relative(context, dockerfile);
    const recipe = JSON.stringify([service.build.args ?? {}, service.build.target ?? "", where]);
    const content =
      context.startsWith(worktree + sep) || context === worktree
        ? await committedContent(worktree, context)
        : hashDirectory(context, "");
    const hash = createHash("sha256").update(recipe).update("\0").update(content);
    if (existsSync(dockerfile)) hash.update("\0").update(readFileSync(dockerfile));
    images[name] = contentImage(hash.digest("hex").slice(0, 16));
  }
  return images;
}

/**
 * A build context inside the worktree (often the whole repository) is keyed by git's tree of it plus
 * the content of what differs from it (changed and untracked files, not ignored ones): no walk over
 * node_modules or build output, and an edited file gives a new image.
 */
async function committedContent(worktree: string, context: string): Promise<string> {
  const rel = relative(worktree, context) || ".";
  const [tree, dirty] = await Promise.all([
    gitRaw(["rev-parse", `HEAD:${rel === "." ? "" : rel}`], worktree),
    gitRaw(["status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", rel], worktree),
  ]);
  const hash = createHash("sha256").update(tree.stdout.trim());
  for (const entry of dirty.stdout.split("\0").filter(Boolean).sort()) {
    const file = entry.slice(3);
    hash.update(`\0${entry}\0`);
    const full = join(worktree, file);
    const stat = lstatSync(full, { throwIfNoEntry: false });
    if (stat?.isFile()) hash.update(readFileSync(full));
  }
  return hash.digest("hex");
}
