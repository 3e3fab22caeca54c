/**
 * A "remote" Docker host on this machine (docs: ../shared/recipes/remote-docker-host.md): its own
 * network namespace reached through a veth pair on a /30 of 169.254.128.0/17, its own mount namespace
 * (tmpfs on /tmp, /work, /root: local paths are not there), a second dockerd and an sshd that takes
 * this run's key only. Every name and the subnet derive from one number picked per run, so runs on a
 * shared machine never collide; `stop` ends only the processes it started, by their pids. Needs root.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const sh = (cmd, args) =>
  execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 }).toString();
const quiet = (cmd, args) => {
  try {
    sh(cmd, args);
  } catch {}
};

/** A number whose interfaces and subnet are not in use on this machine. */
function pickNumber() {
  const addresses = sh("ip", ["-o", "addr"]);
  const links = sh("ip", ["-o", "link"]);
  for (;;) {
    const n = (process.pid * 7 + Math.floor(Math.random() * 8192)) % 8192;
    if (!links.includes(`nxt${n}h`) && !addresses.includes(`${addr(n, 1)}/`)) return n;
  }
}

function addr(n, last) {
  const base = n * 4;
  return `169.254.${128 + Math.floor(base / 256)}.${(base % 256) + last}`;
}

function startScript(dir, run) {
  return `#!/bin/sh
echo $$ > ${dir}/start.pid
mount -t tmpfs tmpfs /tmp; mount -t tmpfs tmpfs /work 2>/dev/null; mount -t tmpfs tmpfs /root
dockerd --data-root ${dir}/data --exec-root ${run}/exec --pidfile ${run}/docker.pid -H unix://${run}/docker.sock > ${dir}/dockerd.log 2>&1 &
for i in $(seq 1 120); do [ -S ${run}/docker.sock ] && break; sleep 0.25; done
mount --bind ${run}/docker.sock /var/run/docker.sock
while [ ! -f ${dir}/stop ]; do
  if [ -f ${dir}/pause ]; then sleep 0.2; continue; fi
  /usr/sbin/sshd -D -f ${dir}/etc/sshd_config -E ${dir}/sshd.log; sleep 0.2
done
`;
}

/** Run inside the host's namespaces: a new dockerd on the same data root, its socket bound again. */
function dockerdScript(dir, run) {
  return `#!/bin/sh
rm -f ${run}/docker.sock
dockerd --data-root ${dir}/data --exec-root ${run}/exec --pidfile ${run}/docker.pid -H unix://${run}/docker.sock >> ${dir}/dockerd.log 2>&1 &
for i in $(seq 1 120); do [ -S ${run}/docker.sock ] && break; sleep 0.25; done
umount /var/run/docker.sock 2>/dev/null
mount --bind ${run}/docker.sock /var/run/docker.sock
`;
}

function sshdConfig(dir, ip) {
  return `ListenAddress ${ip}
HostKey ${dir}/etc/host_key
AuthorizedKeysFile ${dir}/etc/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PidFile ${dir}/sshd.pid
`;
}

function waitForPort(ip, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect({ host: ip, port: 22, timeout: 1000 });
      socket.once("data", () => {
        socket.destroy();
        resolve();
      });
      const retry = () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${ip} did not start in ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      };
      socket.once("error", retry);
      socket.once("timeout", retry);
    };
    attempt();
  });
}

function readPid(file) {
  const pid = existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : Number.NaN;
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

function kill(pid) {
  if (!pid) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {}
}

/** Brings one up and waits (at most 60 s) until its sshd answers and its dockerd is ready. */
/** @param {string} clientDir @returns {Promise<import("./remote-host.d.mts").RemoteHost>} */
export async function startRemoteHost(clientDir) {
  if (!existsSync("/usr/sbin/sshd"))
    throw new Error("sshd is missing: apt-get install openssh-server (the remote host needs it)");
  const n = pickNumber();
  const [ns, h, r] = [`nxt${n}`, `nxt${n}h`, `nxt${n}r`];
  const [hostIp, ip] = [addr(n, 1), addr(n, 2)];
  const dir = `/var/lib/nexus-test-remote-${n}`;
  const run = `/var/run/nexus-test-remote-${n}`;
  mkdirSync(join(dir, "etc"), { recursive: true });
  mkdirSync(run, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true });
  sh("ip", ["netns", "add", ns]);
  sh("ip", ["link", "add", h, "type", "veth", "peer", "name", r]);
  sh("ip", ["link", "set", r, "netns", ns]);
  sh("ip", ["addr", "add", `${hostIp}/30`, "dev", h]);
  sh("ip", ["link", "set", h, "up"]);
  sh("ip", ["netns", "exec", ns, "ip", "addr", "add", `${ip}/30`, "dev", r]);
  sh("ip", ["netns", "exec", ns, "ip", "link", "set", r, "up"]);
  sh("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "etc", "host_key")]);
  const key = join(clientDir, "remote_ed25519");
  sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  writeFileSync(join(dir, "etc", "authorized_keys"), readFileSync(`${key}.pub`));
  chmodSync(join(dir, "etc", "authorized_keys"), 0o600);
  writeFileSync(join(dir, "etc", "sshd_config"), sshdConfig(dir, ip));
  writeFileSync(join(dir, "start.sh"), startScript(dir, run), { mode: 0o755 });
  spawn(
    "setsid",
    [
      "nsenter",
      `--net=/var/run/netns/${ns}`,
      "unshare",
      "--mount",
      "--propagation",
      "private",
      join(dir, "start.sh"),
    ],
    { detached: true, stdio: "ignore" },
  ).unref();
  const stop = () => {
    writeFileSync(join(dir, "stop"), "");
    kill(readPid(join(dir, "sshd.pid")));
    kill(readPid(join(run, "docker.pid")));
    kill(readPid(join(dir, "start.pid")));
    for (let i = 0; i < 40 && existsSync(join(run, "docker.pid")); i++) execFileSync("sleep", ["0.25"]);
    quiet("ip", ["netns", "del", ns]);
    quiet("ip", ["link", "del", h]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(run, { recursive: true, force: true });
  };
  try {
    await waitForPort(ip, 60_000);
  } catch (error) {
    stop();
    throw error;
  }
  const hostKey = () =>
    readFileSync(join(dir, "etc", "host_key.pub"), "utf8")
      .split(" ")
      .slice(0, 2)
      .join(" ");
  const rekey = async () => {
    rmSync(join(dir, "etc", "host_key"));
    rmSync(join(dir, "etc", "host_key.pub"));
    sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "etc", "host_key")]);
    const sshd = readPid(join(dir, "sshd.pid"));
    // Its sessions (and so any master connection) end too, as when a host is reinstalled.
    if (sshd) quiet("pkill", ["-P", String(sshd)]);
    kill(sshd);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await waitForPort(ip, 30_000);
  };
  const down = () => {
    writeFileSync(join(dir, "pause"), "");
    const sshd = readPid(join(dir, "sshd.pid"));
    if (sshd) quiet("pkill", ["-P", String(sshd)]);
    kill(sshd);
  };
  const up = async () => {
    rmSync(join(dir, "pause"), { force: true });
    await waitForPort(ip, 30_000);
  };
  const restart = async () => {
    down();
    kill(readPid(join(run, "docker.pid")));
    for (let i = 0; i < 80 && existsSync(join(run, "docker.pid")); i++) execFileSync("sleep", ["0.25"]);
    writeFileSync(join(dir, "dockerd.sh"), dockerdScript(dir, run), { mode: 0o755 });
    const target = String(readPid(join(dir, "start.pid")));
    sh("nsenter", ["--target", target, "--mount", "--net", join(dir, "dockerd.sh")]);
    await up();
  };
  const shell = (command) =>
    execFileSync(
      "ssh",
      [
        "-F",
        "none",
        "-i",
        key,
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
      ].concat(["-o", "LogLevel=ERROR", "-o", "BatchMode=yes", `root@${ip}`, command]),
      { encoding: "utf8", timeout: 30_000 },
    );
  return { ip, key, url: `ssh://root@${ip}`, dir, hostKey, rekey, down, up, restart, stop, shell };
}
