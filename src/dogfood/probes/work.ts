import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git } from "../../core/git.js";
import type { ProjectContext } from "../../workspace/context.js";
import { databaseSees, postgresService } from "./postgres.js";

/** Work in progress a recovery must keep: a committed file and, with PostgreSQL, a table row. */
export interface Work {
  workspace: string;
  file: string;
  content: string;
  database?: { service: string; table: string };
}

export async function markWork(ctx: ProjectContext, workspace: string): Promise<Work> {
  const worktree = ctx.store.get(workspace).worktreePath;
  const work: Work = { workspace, file: "probe-work.txt", content: `work of ${workspace}\n` };
  writeFileSync(join(worktree, work.file), work.content);
  await git(["add", work.file], worktree);
  await git(
    ["-c", "user.name=nexus probe", "-c", "user.email=probe@nexus.invalid", "commit", "-qm", "probe work"],
    worktree,
  );
  const service = await postgresService(ctx, workspace);
  if (service) {
    const table = "probe_work";
    await databaseSees(
      ctx,
      workspace,
      service,
      `CREATE TABLE ${table} (note text); INSERT INTO ${table} VALUES ('kept')`,
    );
    work.database = { service, table };
  }
  return work;
}

/** What of the work is gone (empty: nothing lost). */
export async function workLost(ctx: ProjectContext, work: Work): Promise<string[]> {
  const lost: string[] = [];
  const file = join(ctx.store.get(work.workspace).worktreePath, work.file);
  if (!existsSync(file) || readFileSync(file, "utf8") !== work.content) lost.push(`${work.file} (committed)`);
  if (work.database) {
    const rows = await databaseSees(
      ctx,
      work.workspace,
      work.database.service,
      `SELECT count(*) FROM ${work.database.table}`,
    ).catch((error: Error) => error.message);
    if (rows.trim() !== "1") lost.push(`database row in ${work.database.table} (${rows.trim()})`);
  }
  return lost;
}
