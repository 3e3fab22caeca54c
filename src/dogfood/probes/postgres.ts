import { PassThrough } from "node:stream";
import { NexusError } from "../../core/errors.js";
import type { ProjectContext } from "../../workspace/context.js";
import { listServices } from "../../workspace/engine/containers.js";
import { getDocker } from "../../workspace/engine/docker.js";
import { execInContainer } from "../../workspace/engine/exec.js";

/** The service of a workspace that runs PostgreSQL (its container has POSTGRES_USER), if any. */
export async function postgresService(ctx: ProjectContext, name: string): Promise<string | undefined> {
  const docker = await getDocker();
  for (const s of await listServices({ repoId: ctx.repoId, workspace: name })) {
    const info = await docker.getContainer(s.id).inspect();
    if ((info.Config.Env ?? []).some((e) => e.startsWith("POSTGRES_USER="))) return s.service;
  }
  return undefined;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default, expanded in the container.
const PSQL = 'psql -U "$POSTGRES_USER" -d "${POSTGRES_DB:-$POSTGRES_USER}" -tAc "$1"';

/** Runs one SQL statement in a workspace's database and returns psql's unaligned output. */
export async function databaseSees(
  ctx: ProjectContext,
  name: string,
  service: string,
  sql: string,
): Promise<string> {
  const docker = await getDocker();
  const target = (await listServices({ repoId: ctx.repoId, workspace: name })).find(
    (s) => s.service === service,
  );
  if (!target)
    throw new NexusError(`Workspace "${name}" has no ${service} container.`, { category: "docker" });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const code = await execInContainer(docker, {
    containerId: target.id,
    cmd: ["sh", "-c", PSQL, "sh", sql],
    stdout: out,
    stderr: out,
  });
  const text = Buffer.concat(chunks).toString();
  if (code !== 0)
    throw new NexusError(`psql in ${name}/${service} failed: ${text.trim()}`, { category: "docker" });
  return text;
}
