import { describe, expect, it } from "vitest";
import { containerCwd, demuxBuffer } from "./access.js";
import {
  containerName,
  containerOptions,
  hostEnvironment,
  interpolate,
  LABEL,
  nanos,
  networkName,
  volumeName,
  type WorkspaceSpec,
} from "./container-spec.js";
import { portRequests } from "./ports.js";
import type { PortRecord } from "./store.js";
import { loadTemplate } from "./templates.js";

const template = loadTemplate("node-postgres", "/nonexistent");
const ports: PortRecord[] = [
  { workspace: "feat", service: "dev", name: "web", containerPort: 3000, hostPort: 41000 },
  { workspace: "feat", service: "dev", name: "ssh", containerPort: 22, hostPort: 41001 },
  { workspace: "feat", service: "db", name: "postgres", containerPort: 5432, hostPort: 41002 },
];
const spec: WorkspaceSpec = {
  workspace: "feat",
  repoId: "abc123",
  template,
  worktreePath: "/repo/.nexus/worktrees/feat",
  gitCommonDir: "/repo/.git",
  ports,
  runtimeScript: "/pkg/runtime/dev-init.sh",
  sshDir: "/home/u/.nexus/ssh/container",
};
const service = (name: string) => template.services.find((s) => s.name === name)!;

describe("container options", () => {
  it("publishes ports on 127.0.0.1 only, with Compose labels and per-workspace names", () => {
    const db = containerOptions(spec, service("db"));
    expect(db.name).toBe("nexus-feat-abc123-db-1");
    expect(db.HostConfig?.PortBindings).toEqual({ "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "41002" }] });
    expect(db.Labels).toMatchObject({
      [LABEL.project]: "nexus-feat-abc123",
      [LABEL.service]: "db",
      [LABEL.repo]: "abc123",
      [LABEL.workspace]: "feat",
    });
    expect(db.HostConfig?.Mounts).toEqual([
      {
        Type: "volume",
        Source: "nexus-feat-abc123_db-data",
        Target: "/var/lib/postgresql/data",
        ReadOnly: false,
      },
    ]);
    expect(db.HostConfig?.NetworkMode).toBe("nexus-feat-abc123_default");
    expect(db.Healthcheck?.Interval).toBe(10e9);
  });

  it("gives the dev container the worktree, the git dir at its host path, the runtime and SSH keys", () => {
    const dev = containerOptions(spec, service("dev"));
    expect(dev.Entrypoint).toEqual(["/bin/sh", "/run/nexus/init.sh"]);
    expect(dev.WorkingDir).toBe("/workspace");
    const mounts = dev.HostConfig?.Mounts ?? [];
    expect(mounts).toContainEqual({ Type: "bind", Source: spec.worktreePath, Target: "/workspace" });
    expect(mounts).toContainEqual({ Type: "bind", Source: "/repo/.git", Target: "/repo/.git" });
    expect(mounts).toContainEqual({
      Type: "bind",
      Source: spec.sshDir,
      Target: "/run/nexus/ssh",
      ReadOnly: true,
    });
    expect(dev.Env).toEqual(
      expect.arrayContaining([
        "NEXUS_PORT_WEB=41000",
        "GIT_CONFIG_VALUE_0=*",
        "DATABASE_URL=postgres://nexus:nexus@db:5432/app",
      ]),
    );
  });

  it("changes its config hash when a port moves, and only then", () => {
    const hash = (p: PortRecord[]) =>
      containerOptions({ ...spec, ports: p }, service("db")).Labels?.[LABEL.configHash];
    expect(hash(ports)).toBe(hash([...ports]));
    expect(hash(ports)).not.toBe(
      hash(ports.map((p) => (p.name === "postgres" ? { ...p, hostPort: 41050 } : p))),
    );
  });

  it("fills host-side variables and names resources", () => {
    expect(hostEnvironment(template, "feat", ports)).toMatchObject({
      NEXUS_WORKSPACE: "feat",
      NEXUS_PORT_POSTGRES: "41002",
      DATABASE_URL: "postgres://nexus:nexus@127.0.0.1:41002/app",
    });
    expect(interpolate("${A}-${B:-dflt}-${C}", { A: "1" })).toBe("1-dflt-");
    const ref = { repoId: "abcdef123456", workspace: "x" };
    expect([networkName(ref), volumeName(ref, "v"), containerName(ref, "s")]).toEqual([
      "nexus-x-abcdef_default",
      "nexus-x-abcdef_v",
      "nexus-x-abcdef-s-1",
    ]);
    expect(nanos("1m30s")).toBe(90e9);
    expect(nanos("250ms")).toBe(250e6);
    expect(nanos(undefined)).toBeUndefined();
  });

  it("names port requests by their name, the service, or service-port", () => {
    expect(
      portRequests(template)
        .map((p) => p.name)
        .sort(),
    ).toEqual(["postgres", "ssh", "web"]);
  });
});

describe("exec helpers", () => {
  it("maps the current directory into /workspace", () => {
    expect(containerCwd("/w/feat", "/w/feat")).toBe("/workspace");
    expect(containerCwd("/w/feat", "/w/feat/src/lib")).toBe("/workspace/src/lib");
    expect(containerCwd("/w/feat", "/elsewhere")).toBe("/workspace");
  });

  it("splits Docker's multiplexed log frames into stdout and stderr", () => {
    const frame = (type: number, text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    const out: string[] = [];
    const err: string[] = [];
    demuxBuffer(
      Buffer.concat([frame(1, "hello\n"), frame(2, "oops\n"), frame(1, "bye\n")]),
      { write: (c) => out.push(String(c)) > 0 },
      { write: (c) => err.push(String(c)) > 0 },
    );
    expect(out.join("")).toBe("hello\nbye\n");
    expect(err.join("")).toBe("oops\n");
  });
});
