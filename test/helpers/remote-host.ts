// One implementation for the tests and `npm run bench` (scripts/bench-remote.mjs): see that file.
import type { RemoteHost } from "../../scripts/remote-host.mjs";
import { fingerprintOf } from "../../src/workspace/remote/ssh.js";

export { type RemoteHost, startRemoteHost } from "../../scripts/remote-host.mjs";

/** `nexus host add NAME` for the remote, its key vouched for by its fingerprint; fails loudly. */
export async function registerHost(
  cli: (...args: string[]) => Promise<{ code: number; stderr: string }>,
  remote: RemoteHost,
  name = "lab",
): Promise<void> {
  const fingerprint = fingerprintOf(remote.hostKey());
  const args = ["host", "add", name, remote.url, "--identity", remote.key, "--accept-host-key", fingerprint];
  const added = await cli(...args);
  if (added.code !== 0) throw new Error(`host add ${name} failed: ${added.stderr}`);
}
