import type { DevLanguage } from "../../core/dev-language.js";

/** A lifecycle command as devcontainer.json and x-nexus write it: a shell string or an argv array. */
export type LifecycleCommand = string | string[];

/**
 * Where a workspace's containers come from, ready for Docker Compose: the project's own compose
 * file(s) (or one Nexus generated for a devcontainer.json image/Dockerfile) plus what Nexus needs to
 * know to write its override. Every source (built-in or project template, devcontainer.json, the
 * repository's compose file) resolves to one of these.
 */
export interface Environment {
  /** What the user chose or Nexus found: a template name, "devcontainer" or "compose". */
  name: string;
  kind: "template" | "devcontainer" | "compose";
  /** For messages: the file this came from, e.g. `.devcontainer/devcontainer.json`. */
  source: string;
  description: string;
  /** Absolute paths of the compose files, in `-f` order. */
  files: string[];
  /** `--project-directory`: relative paths in the files resolve against it. */
  projectDir: string;
  /** The service developers work in (exec, shell, SSH, gates); none for a services-only file. */
  devService?: string;
  /** Services `up` starts (devcontainer.json `runServices`); all when absent. */
  runServices?: string[];
  /** Compose profiles enabled for this workspace (its record's); their services start too. */
  profiles?: string[];
  /** Where the worktree is mounted in the dev service. */
  workspaceFolder: string;
  /** Key-only sshd in the dev container (when the image has one). */
  ssh: boolean;
  /**
   * The dev image is Nexus's own and always runs sshd: SSH gets a leased port. Any other image gets
   * none (whether it has sshd is known only once it runs); `ssh` then runs its sshd through `docker exec`.
   */
  sshPort?: boolean;
  postCreate: LifecycleCommand[];
  postStart: LifecycleCommand[];
  /** The user commands run as in the dev container; the host's uid/gid is mapped onto it. */
  remoteUser?: string;
  /** Map remoteUser's uid/gid to the host user's (devcontainer.json updateRemoteUserUID, default true). */
  updateRemoteUserUID: boolean;
  /** Extra environment for the dev service's containers (containerEnv) and for commands run in it (remoteEnv). */
  containerEnv: Record<string, string>;
  remoteEnv: Record<string, string>;
  /** Dev-service ports to publish (on leased 127.0.0.1 ports) although the compose file does not. */
  forwardPorts: number[];
  /** Host-side variables `ports` prints, with ${NEXUS_PORT_X} filled in (x-nexus host_env). */
  hostEnv: Record<string, string>;
  /** Keep the dev container alive whatever its image's command does (devcontainer overrideCommand). */
  overrideCommand: boolean;
  /** Content hash of everything above and the files it read: a cache key. */
  hash: string;
  /**
   * Set when the compose file has no service to work in: Nexus adds its own dev service (own-dev.ts),
   * built for this language and version.
   */
  ownDev?: DevLanguage;
  /** Service names, where known without asking Compose (templates list them). */
  services?: string[];
}
