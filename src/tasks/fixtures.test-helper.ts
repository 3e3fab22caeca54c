import { join } from "node:path";
import { gitRepo, isolatedHome } from "../../test/helpers/fs.js";
import { configSchema } from "../core/config.js";
import { openDb } from "../core/db.js";
import { projectPaths } from "../core/paths.js";
import type { Report } from "../core/report.js";
import { initProject } from "../init/init.js";
import { WorkspaceStore } from "../workspace/store.js";
import type { TaskContext } from "./context.js";
import { loadTrust } from "./evidence.js";
import { TaskStore } from "./store.js";

/** A real initialised repository with a task context whose clock the test controls. */
export async function taskProject(
  options: {
    gates?: string[];
    files?: Record<string, string>;
    tasks?: { allow_self_review?: boolean; allow_check_change?: boolean };
  } = {},
) {
  isolatedHome();
  const root = gitRepo(options.files);
  await initProject(root);
  const paths = projectPaths(root, join(root, ".git"));
  let now = new Date("2026-01-01T00:00:00Z");
  const open = (actor = "tester", report?: Report): TaskContext => {
    const db = openDb(paths.dbFile);
    const config = configSchema.parse({ gates: options.gates ?? [], tasks: options.tasks ?? {} });
    const project = { paths, config, db, store: new WorkspaceStore(db), repoId: "test00000000" };
    return {
      paths,
      config,
      db,
      store: new TaskStore(db, paths, loadTrust(paths, config.gates), report),
      project,
      actor,
      now: () => now,
    };
  };
  return {
    root,
    paths,
    open,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}
