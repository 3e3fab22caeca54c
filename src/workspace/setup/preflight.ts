import { existsSync } from "node:fs";
import { relative, sep } from "node:path";
import { NexusError } from "../../core/errors.js";
import type { ComposeModel } from "../engine/compose-model.js";

interface VolumeModel {
  type?: string;
  source?: string;
  target?: string;
}

/**
 * A bind source inside the worktree that does not exist there but does in the main checkout: git
 * ignored it, so a new worktree lacks it and Docker would mount an empty folder instead. Said before
 * anything starts.
 */
export function checkBindSources(options: {
  model: ComposeModel;
  services: string[];
  worktree: string;
  mainRoot: string;
}): void {
  const { model, worktree, mainRoot } = options;
  for (const name of options.services) {
    const volumes = (model.services[name]?.volumes ?? []) as VolumeModel[];
    for (const volume of volumes) {
      if (volume.type !== "bind" || !volume.source?.startsWith(worktree + sep)) continue;
      if (existsSync(volume.source)) continue;
      const rel = relative(worktree, volume.source);
      if (!existsSync(`${mainRoot}${sep}${rel}`)) continue;
      throw new NexusError(
        `./${rel}, bind-mounted into service ${name}, is in the main checkout but not in the workspace's worktree (git ignores it).`,
        {
          category: "config",
          hint: `List it under copy_files in .nexus/config.yaml to copy it into new worktrees, or create it in the worktree (${worktree}).`,
        },
      );
    }
  }
}
