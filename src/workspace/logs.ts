import { Writable } from "node:stream";
import { NexusError } from "../core/errors.js";
import { terminalSafe } from "../core/visible.js";
import { listServices } from "./containers.js";
import type { ProjectContext } from "./context.js";
import { getDocker } from "./docker.js";

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
      if (!options.follow) return demuxBuffer(await container.logs({ ...base, follow: false }), out, err);
      const stream = await container.logs({ ...base, follow: true });
      docker.modem.demuxStream(stream, out, err);
      await new Promise((resolve) => stream.on("end", resolve));
    }),
  );
}

type LineWriter = { write(chunk: Buffer | string): boolean };

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

/** Docker's multiplexed log format: 8-byte header (stream type, 3 zero bytes, uint32 length) per frame. */
export function demuxBuffer(buffer: Buffer, stdout: LineWriter, stderr: LineWriter): void {
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    const frame = buffer.subarray(offset + 8, offset + 8 + length);
    (type === 2 ? stderr : stdout).write(frame);
    offset += 8 + length;
  }
}
