import { NexusError } from "../../core/errors.js";

interface Known {
  pattern: RegExp;
  explain: (message: string) => NexusError;
}

/** Failures of the environment that users meet, each said plainly with what to do next. */
const KNOWN: Known[] = [
  {
    pattern:
      /could not find an available, non-overlapping IPv4 address pool|all predefined address pools have been fully subnetted/i,
    explain: () =>
      new NexusError("Docker has no free network address pool left for another workspace network.", {
        category: "docker",
        hint:
          "Each running workspace uses one Docker network, and Docker's default pools allow about 30. Free some: " +
          "`nexus workspace destroy NAME` for unused workspaces, `docker network prune` for networks no container uses, " +
          'or give Docker more pools ("default-address-pools" in /etc/docker/daemon.json, then restart dockerd).',
      }),
  },
  {
    pattern: /bind source path does not exist: (\S+)|invalid mount config.*?: (\S+)/i,
    explain: (message) => {
      const path = /does not exist: (\S+)/.exec(message)?.[1] ?? "a bind mount's source";
      return new NexusError(`The bind mount source ${path} does not exist.`, {
        category: "config",
        hint: "Create it, or if it is gitignored (so a new worktree lacks it) list it under `copy_files` in .nexus/config.yaml.",
      });
    },
  },
  {
    pattern: /no space left on device/i,
    explain: () =>
      new NexusError("The disk is full: Docker could not write.", {
        category: "docker",
        hint: "Free space (`docker system df`, `docker image prune`, `nexus workspace prune`) and run the command again.",
      }),
  },
];

/** A NexusError for a Docker failure we recognise; otherwise the error as it was. */
export function explainDockerError(error: unknown): unknown {
  if (error instanceof NexusError && error.category !== "docker") return error;
  const message = error instanceof Error ? error.message : String(error);
  const known = KNOWN.find((k) => k.pattern.test(message));
  if (!known) return error;
  const explained = known.explain(message);
  return new NexusError(explained.message, {
    category: explained.category,
    hint: explained.hint,
    cause: error,
  });
}
