import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { NexusError } from "../../core/errors.js";
import { type Report, silentReport } from "../../core/report.js";
import type { ProjectContext } from "../../workspace/context.js";
import { workspaceDir } from "../../workspace/context.js";
import { destroyWorkspace } from "../../workspace/manager.js";
import { branchName } from "../../workspace/names.js";
import { branchExists } from "../../workspace/worktree.js";

const PROBE_PREFIX = "probe-";

/** The workspaces one probe run makes: `probe-<suffix>-<n>`, never a name the user has. */
export class ProbeNames {
  readonly suffix: string;
  readonly made: string[] = [];
  private count = 0;

  constructor(
    private readonly ctx: ProjectContext,
    suffix = randomBytes(3).toString("hex"),
    private readonly report: Report = silentReport,
  ) {
    this.suffix = suffix;
  }

  /** A fresh name; refuses when anything of that name exists (a workspace, its branch or its folder). */
  async next(): Promise<string> {
    const name = `${PROBE_PREFIX}${this.suffix}-${++this.count}`;
    const taken =
      this.ctx.store.find(name) !== undefined ||
      existsSync(workspaceDir(this.ctx, name)) ||
      (await branchExists(this.ctx.paths.root, branchName(name)));
    if (taken) {
      throw new NexusError(`A workspace, branch or worktree named "${name}" already exists.`, {
        category: "conflict",
        hint: `Probes never touch existing names. If a probe left it behind: nexus workspace destroy ${name} --force --delete-branch`,
      });
    }
    this.made.push(name);
    return name;
  }

  /** Destroys everything this run made (containers, volumes, worktree, branch); never throws. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const name of this.made.splice(0)) {
      if (!this.ctx.store.find(name)) continue;
      try {
        await destroyWorkspace(this.ctx, name, { force: true, deleteBranch: true });
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
        this.report.warn(`could not remove probe workspace ${name}: ${(error as Error).message}`);
      }
    }
    return problems;
  }
}
