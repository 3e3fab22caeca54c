import type { ProjectContext } from "./context.js";
import type { RemoteSite } from "./remote/placement.js";
import type { WorkspaceRecord } from "./store.js";

/**
 * Runs `work` against the workspace's host when it is on one (its engine through SSH, its files
 * there), else as it is; remote/ is loaded only then. Every engine call `work` makes, awaited or not,
 * goes to that host: two workspaces on two hosts in one process (MCP) never mix.
 */
export async function onHost<T>(
  ctx: ProjectContext,
  record: WorkspaceRecord | string,
  work: (site?: RemoteSite) => Promise<T>,
): Promise<T> {
  const found = typeof record === "string" ? ctx.store.get(record) : record;
  if (!found.host) return work(undefined);
  const { onWorkspaceHost } = await import("./remote/workspace.js");
  return onWorkspaceHost(ctx, found, work);
}
