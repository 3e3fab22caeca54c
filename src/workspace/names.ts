import { UsageError } from "../core/errors.js";

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Workspace names become branch, directory, container and host names, so they are strict. */
export function validateWorkspaceName(name: string): string {
  if (NAME.test(name) && !name.includes("--")) return name;
  throw new UsageError(
    `Invalid workspace name "${name}".`,
    "Use 1-40 lowercase letters, digits and single dashes, starting and ending with a letter or digit (e.g. feature-auth).",
  );
}

export function branchName(workspace: string): string {
  return `nexus/${workspace}`;
}

/** Compose project name: `docker compose -p nexus-NAME ps` shows the workspace's containers. */
export function projectName(workspace: string): string {
  return `nexus-${workspace}`;
}
