import { basename, dirname, join } from "node:path";
import { NexusError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import type { Report } from "../../core/report.js";
import type { ProjectContext } from "../context.js";
import type { EngineTarget } from "../engine/target.js";
import { caBundle } from "../environment/host.js";
import type { WorkspaceRef } from "../names.js";
import type { Placement } from "../setup/override-file.js";
import { findHost, type Host, hostPaths } from "./hosts.js";
import { moveImages } from "./images.js";
import { copyToHost, ensureHostFile, ensurePackageFiles, type RemoteLayout, remoteLayout } from "./mirror.js";
import { shq } from "./remote-shell.js";
import { ssh, sshArgs, sshFailure } from "./ssh.js";
import { closeTunnels, hostEngineSocket, openTunnels } from "./tunnel.js";

/** A repository's place on one host: where its mirror and worktrees are, and Nexus's files there. */
export interface RemoteSite {
  host: Host;
  layout: RemoteLayout;
  /** The host's copy of Nexus's templates and runtime script. */
  pkgDir: string;
  target: EngineTarget;
}

export async function openSite(ctx: ProjectContext, host: Host): Promise<RemoteSite> {
  const [layout, pkgDir, socket] = await Promise.all([
    layoutOn(ctx, host),
    ensurePackageFiles(host),
    hostEngineSocket(host),
  ]);
  return { host, layout, pkgDir, target: remoteTarget(host, socket, pkgDir) };
}

/** The site of a remote workspace's host (its record names the host). */
export function siteOf(ctx: ProjectContext, record: { host: string | null }): Promise<RemoteSite> {
  return openSite(ctx, findHost(record.host ?? ""));
}

/** Where this repository's mirror and worktrees are on `host`: all git over SSH needs. */
export function layoutOn(ctx: ProjectContext, host: Host): Promise<RemoteLayout> {
  return remoteLayout(host, ctx.repoId, basename(ctx.paths.root));
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Engine API calls go to the host's socket, forwarded here; `docker compose` runs on the host (its
 * files and bind paths are there), with only the variables Nexus sets: this machine's environment
 * does not travel (a value from it would name things that exist only here).
 */
function remoteTarget(host: Host, socket: string, pkgDir: string): EngineTarget {
  const paths = hostPaths();
  return {
    name: host.name,
    socket,
    command(args, env) {
      const vars = Object.entries({ ...env, NEXUS_TEMPLATES: join(pkgDir, "templates") })
        .filter(([name, value]) => ENV_NAME.test(name) && value !== undefined)
        .map(([name, value]) => `${name}=${shq(value)}`);
      const line = ["exec", "env", ...vars, "docker", ...args.map(shq)].join(" ");
      return ["ssh", [...sshArgs(host, paths), "--", host.hostname, line]];
    },
    unreachable: (stderr) => sshFailure(host, { stdout: "", stderr, exitCode: 255 }),
  };
}

/** `text` with this machine's paths (the checkout, Nexus's package) as the host has them. */
export function relocator(pairs: [from: string, to: string][]): (text: string) => string {
  const sorted = [...pairs].sort((a, b) => b[0].length - a[0].length);
  return (text) =>
    sorted.reduce((out, [from, to]) => {
      const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return out.replace(new RegExp(`${escaped}(?![A-Za-z0-9_.-])`, "g"), to);
    }, text);
}

/** The host's user and this worktree's git admin folder, asked in one round trip. */
async function hostFacts(site: RemoteSite, worktree: string) {
  const { host, layout } = site;
  const dirs = ["objects", "refs", "logs"].map((d) => join(layout.mirror, d));
  const script = `id -u; id -g; id -un; git -C ${shq(worktree)} rev-parse --absolute-git-dir && mkdir -p ${dirs.map(shq).join(" ")}`;
  const result = await ssh(host, script);
  if (result.exitCode === 255) throw sshFailure(host, result);
  const [uid, gid, user, adminDir] = result.stdout.trim().split("\n");
  if (result.exitCode !== 0 || !adminDir)
    throw new NexusError(`The worktree on host ${host.name} is not usable: ${worktree}`, {
      category: "git",
      hint: `${result.stderr.trim().split("\n").pop() ?? ""} — \`nexus workspace repair\` makes it again.`,
    });
  return { uid: Number(uid), gid: Number(gid), user: user ?? "root", gitWritable: [...dirs, adminDir] };
}

/** Where a remote workspace's files are, and what happens on the host before Compose starts it. */
export async function placementFor(
  ctx: ProjectContext,
  site: RemoteSite,
  ref: WorkspaceRef,
  report?: Report,
): Promise<Placement> {
  const { host, layout, pkgDir } = site;
  const worktree = layout.worktree(ref.workspace);
  const localCa = caBundle(process.env);
  const [facts, caFile] = await Promise.all([
    hostFacts(site, worktree),
    localCa ? ensureHostFile(host, localCa) : undefined,
  ]);
  const key = `${ref.repoId}/${ref.workspace}`;
  return {
    relocate: relocator([
      [ctx.paths.root, worktree],
      [packageRoot(), pkgDir],
    ]),
    mounts: {
      worktree,
      gitCommonDir: layout.mirror,
      gitWritable: facts.gitWritable,
      runtimeScript: join(pkgDir, "runtime", "dev-init.sh"),
    },
    host: { uid: facts.uid, gid: facts.gid, user: facts.user, caFile },
    beforePorts: () => closeTunnels(host, key),
    async beforeUp({ override, ports, images }) {
      const composeDir = join(layout.base, "compose");
      const [moved] = await Promise.all([
        moveImages(host, site.target.socket, images, {
          onProgress: (tag, state) =>
            state === "moving" && report?.info(`Moving image ${tag} to ${host.name}…`),
        }),
        copyToHost(host, dirname(override), [basename(override)], composeDir),
        openTunnels(
          host,
          key,
          ports.map((p) => p.hostPort),
        ),
      ]);
      void moved;
      return join(composeDir, basename(override));
    },
  };
}
