import { NexusError, PassThroughExit } from "../../core/errors.js";
import { run } from "../../core/process.js";
import { getDocker, resetDockerClient } from "../../workspace/engine/docker.js";

/** Restarts the Docker daemon (systemd, then the service script) and waits until it answers. */
export async function restartDaemon(timeoutMs = 120_000): Promise<string> {
  const ways: [string, string[]][] = [
    ["systemctl", ["restart", "docker"]],
    ["service", ["docker", "restart"]],
  ];
  let used: string | undefined;
  const tried: string[] = [];
  for (const [cmd, args] of ways) {
    const result = await run(cmd, args).catch((error: Error) => ({
      exitCode: PassThroughExit.commandNotFound,
      stderr: error.message,
    }));
    if (result.exitCode === 0) {
      used = `${cmd} ${args.join(" ")}`;
      break;
    }
    tried.push(
      `${cmd} ${args.join(" ")}: ${result.stderr.trim().split("\n")[0] || `exit ${result.exitCode}`}`,
    );
  }
  if (!used)
    throw new NexusError("Cannot restart the Docker daemon.", {
      category: "docker",
      hint: `Tried ${tried.join("; ")}. Run the probe as a user allowed to restart Docker, or leave out --include-daemon-restart.`,
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    resetDockerClient();
    try {
      await (await getDocker()).ping();
      return `daemon restarted (${used})`;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
