import { createHash } from "node:crypto";
import { preview, UsageError } from "../core/errors.js";

export const LABELS = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  workspace: "nexus.workspace",
  repo: "nexus.repo",
  template: "nexus.template",
} as const;

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Workspace names become branch, directory, container and host names, so they are strict. */
export function validateWorkspaceName(name: string): string {
  if (NAME.test(name) && !name.includes("--")) return name;
  throw new UsageError(
    `Invalid workspace name ${preview(name)}.`,
    "Use 1-40 lowercase letters, digits and single dashes, starting and ending with a letter or digit (e.g. feature-auth).",
  );
}

export function branchName(workspace: string): string {
  return `nexus/${workspace}`;
}

/** A repository's id (labels, project names, aliases): from its root folder, the same in every command. */
export function repositoryId(root: string): string {
  return createHash("sha256").update(root).digest("hex").slice(0, 12);
}

/** A workspace is known by its name within one repository: names repeat across repositories. */
export interface WorkspaceRef {
  repoId: string;
  workspace: string;
}

/**
 * Compose project name and SSH alias, unique per repository and workspace, so two repositories with a
 * `feat` workspace share no container, network, volume or alias: `nexus-feat-3f9a0c`.
 */
export function projectName(ref: WorkspaceRef): string {
  return `nexus-${ref.workspace}-${ref.repoId.slice(0, 6)}`;
}

const PROFILE = /^[a-zA-Z0-9*][a-zA-Z0-9_.-]*$/;

/** Each profile once, in order; a name Compose would refuse is a usage error before anything starts. */
export function checkProfiles(profiles: string[]): string[] {
  const all = [...new Set(profiles.filter(Boolean))];
  const bad = all.find((p) => !PROFILE.test(p));
  if (bad !== undefined)
    throw new UsageError(
      `"${bad}" is not a Compose profile name.`,
      "Use letters, digits, `_`, `.` and `-` (see --profile and COMPOSE_PROFILES).",
    );
  return all;
}

/** The valid profile names in a value read back from a file (a rebuilt cache); others are dropped. */
export function profilesIn(value: unknown): string[] {
  return Array.isArray(value)
    ? [...new Set(value.filter((p) => typeof p === "string" && PROFILE.test(p)))]
    : [];
}
