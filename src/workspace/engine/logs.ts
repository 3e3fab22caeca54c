import { Writable } from "node:stream";
import { NexusError } from "../../core/errors.js";
import { terminalSafe } from "../../core/visible.js";
import type { ProjectContext } from "../context.js";
import { listServices } from "./containers.js";
import { getDocker } from "./docker.js";
import { demultiplex } from "./exec.js";

export interface LogsOptions {
  name: string;
  service?: string;
  follow?: boolean;
  tail?: number;
}

/** Prints container logs, each line prefixed with its service when several are shown. */
export async function streamLogs(ctx: ProjectContext, options: LogsOptions): Promise<void> {
  ctx.store.get(options.name);
  const docker = await getDocker();
  const services = (await listServices({ repoId: ctx.repoId, workspace: options.name })).filter(
    (s) => !options.service || s.service === options.service,
  );
  if (services.length === 0) {
    throw new NexusError(
      options.service
        ? `No service "${options.service}" in ${options.name}.`
        : `Workspace ${options.name} has no containers.`,
      {
        category: "not_found",
        hint: `See \`nexus workspace status ${options.name}\`.`,
      },
    );
  }
  const prefix = services.length > 1;
  await Promise.all(
    services.map(async (s) => {
      const container = docker.getContainer(s.id);
      const base = {
        stdout: true,
        stderr: true,
        ...(options.tail === undefined ? {} : { tail: options.tail }),
      };
      const out = prefixer(prefix ? `${s.service} | ` : "", process.stdout);
      const err = prefixer(prefix ? `${s.service} | ` : "", process.stderr);
      if (!options.follow) return demultiplex(out, err)(await container.logs({ ...base, follow: false }));
      const stream = await container.logs({ ...base, follow: true });
      docker.modem.demuxStream(stream, out, err);
      await new Promise((resolve) => stream.on("end", resolve));
    }),
  );
}

function prefixer(prefix: string, target: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      // A container's output is untrusted: colours pass, other control sequences are shown, not obeyed.
      const text = terminalSafe(chunk.toString(), { multiline: true, keepStyle: true });
      const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
      target.write(prefix ? lines.map((l) => `${prefix}${l}\n`).join("") : text);
      done();
    },
  });
}
