import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { git } from "../../core/git.js";
import { nexusCli } from "./run-context.js";

/**
 * A clone of the current repository with an empty task list: the tasks probe creates, rejects and
 * completes tasks there, so the user's tasks.jsonl, skills and runs are never touched.
 */
export interface Sandbox {
  root: string;
  env: NodeJS.ProcessEnv;
  nexus: (...args: string[]) => Promise<{ stdout: string; stderr: string; exitCode: number }>;
  json: <T>(...args: string[]) => Promise<T>;
  remove: () => void;
}

export async function makeSandbox(repoRoot: string, suffix: string): Promise<Sandbox> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `nexus-probe-${suffix}-`)));
  const root = join(dir, "repo");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await git(["clone", "--quiet", "--shared", repoRoot, root], dir);
    await git(["config", "user.name", "nexus probe"], root);
    await git(["config", "user.email", "probe@nexus.invalid"], root);
    // Its own home: no telemetry of the probe's inner commands, no SSH entries.
    const env = { NEXUS_HOME: join(dir, "home"), NEXUS_AGENT: "probe", NEXUS_SESSION_ID: `probe-${suffix}` };
    const nexus = (...args: string[]) => nexusCli(args, root, env);
    const json = async <T>(...args: string[]): Promise<T> => {
      const result = await nexus(...args, "--json");
      if (result.exitCode !== 0)
        throw new NexusError(`\`nexus ${args.join(" ")}\` failed: ${result.stderr.trim()}`, {
          category: "internal",
        });
      return JSON.parse(result.stdout) as T;
    };
    const init = await nexus("init");
    if (init.exitCode !== 0)
      throw new NexusError(`\`nexus init\` failed in the sandbox: ${init.stderr.trim()}`);
    writeFileSync(join(root, ".nexus", "tasks.jsonl"), "");
    return { root, env, nexus, json, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
