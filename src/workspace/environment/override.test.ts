import { describe, expect, it } from "vitest";
import type { ComposeModel } from "../engine/compose-model.js";
import { buildOverride, devEnvironment, type OverrideInput, portRequestsFor, Tagged } from "./override.js";
import { overrideYaml } from "./override-yaml.js";
import type { Environment } from "./types.js";

const env: Environment = {
  name: "app",
  kind: "compose",
  source: "/w/compose.yaml",
  description: "",
  files: ["/w/compose.yaml"],
  projectDir: "/w",
  devService: "web",
  workspaceFolder: "/app",
  ssh: true,
  postCreate: [],
  postStart: [],
  updateRemoteUserUID: true,
  containerEnv: { FROM_ENV: "1" },
  remoteEnv: {},
  forwardPorts: [9229],
  hostEnv: {},
  overrideCommand: false,
  hash: "h",
};

const model: ComposeModel = {
  name: "nexus-feat-abcdef",
  services: {
    web: { build: { context: "/w" }, ports: [{ target: 3000, published: "3000" }], container_name: "myapp" },
    db: { image: "postgres:16", ports: [{ target: 5432, published: "5432", host_ip: "0.0.0.0" }] },
    worker: { image: "app", profiles: ["jobs"] },
  },
  networks: {
    default: { name: "nexus-feat-abcdef_default" },
    shared: { name: "fixed-net" },
    outside: { external: true },
  },
  volumes: { data: { name: "nexus-feat-abcdef_data" }, ext: { external: true, name: "ext" } },
};

const input: OverrideInput = {
  ref: { repoId: "abcdef123456", workspace: "feat" },
  env,
  model,
  ports: [
    { workspace: "feat", service: "web", name: "web-3000", containerPort: 3000, hostPort: 41000 },
    { workspace: "feat", service: "web", name: "ssh", containerPort: 22, hostPort: 41001 },
    { workspace: "feat", service: "db", name: "db", containerPort: 5432, hostPort: 41002 },
  ],
  mounts: {
    worktree: "/w",
    gitCommonDir: "/repo/.git",
    gitWritable: ["/repo/.git/objects", "/repo/.git/worktrees/feat"],
    runtimeScript: "/nexus/init.sh",
  },
  host: {
    uid: 1000,
    gid: 1000,
    user: "u",
    gitName: "U Ser",
    gitEmail: "u@x",
    proxy: { HTTPS_PROXY: "http://p:3128" },
  },
  images: { web: { tag: "nexus/build:123", labels: { "nexus.image": "1", "nexus.image.content": "123" } } },
  extraEnv: { POSTGRES_HOST: "db" },
};

describe("override", () => {
  it("leases every published port, forwarded dev ports and SSH for Nexus's own dev image, named by service", () => {
    expect(portRequestsFor({ ...env, sshPort: true }, model, ["web", "db"])).toEqual([
      { service: "web", name: "web-3000", containerPort: 3000 },
      { service: "web", name: "web-9229", containerPort: 9229 },
      { service: "web", name: "ssh", containerPort: 22 },
      { service: "db", name: "db", containerPort: 5432 },
    ]);
  });

  it("leases no SSH port for a dev image that is not Nexus's own (ssh goes through docker exec)", () => {
    const names = portRequestsFor(env, model, ["web"]).map((r) => r.name);
    expect(names).toEqual(["web-3000", "web-9229"]);
  });

  it("remaps ports to 127.0.0.1, resets fixed names, labels everything, keeps the rest", () => {
    const out = buildOverride(input, ["web", "db"]) as { services: Record<string, Record<string, unknown>> };
    const db = out.services.db!;
    expect(db.ports).toEqual(
      new Tagged("!override", [
        { name: "db", target: 5432, published: "41002", host_ip: "127.0.0.1", protocol: "tcp" },
      ]),
    );
    expect(db.labels).toEqual({
      "nexus.workspace": "feat",
      "nexus.repo": "abcdef123456",
      "nexus.template": "app",
    });
    expect(db.image).toBeUndefined();
    expect(Object.keys(db).sort()).toEqual(["labels", "ports"]);
    const web = out.services.web!;
    expect(web.container_name).toEqual(new Tagged("!reset", null));
    expect(web).toMatchObject({
      image: "nexus/build:123",
      pull_policy: "never",
      build: {
        args: { HTTPS_PROXY: "http://p:3128" },
        labels: { "nexus.image": "1", "nexus.image.content": "123" },
      },
    });
    expect(out.services.worker).toBeUndefined();
  });

  it("gives fixed-name networks and volumes the workspace's own name and leaves external ones alone", () => {
    const out = buildOverride(input, ["web"]) as Record<string, Record<string, Record<string, unknown>>>;
    expect(out.networks!.shared).toMatchObject({ name: "nexus-feat-abcdef_shared" });
    expect(out.networks!.default).not.toHaveProperty("name");
    expect(out.networks!.outside).toBeUndefined();
    expect(out.volumes!.ext).toBeUndefined();
    expect(out.volumes!.data).toHaveProperty("labels");
  });

  it("mounts the worktree, the git dir, Nexus's setup and SSH keys into the dev service with the host's identity", () => {
    const web = (buildOverride(input, ["web"]) as { services: Record<string, Record<string, unknown>> })
      .services.web!;
    expect(web.volumes).toContainEqual({ type: "bind", source: "/w", target: "/app" });
    expect(web.volumes).toContainEqual({
      type: "bind",
      source: "/repo/.git",
      target: "/repo/.git",
      read_only: true,
    });
    expect(web.volumes).toContainEqual({
      type: "bind",
      source: "/repo/.git/objects",
      target: "/repo/.git/objects",
    });
    expect(web.volumes).toContainEqual({
      type: "bind",
      source: "/repo/.git/worktrees/feat",
      target: "/repo/.git/worktrees/feat",
    });
    // SSH keys are given to the setup at each start (a running container takes new ones), never mounted.
    expect(web.volumes).not.toContainEqual(expect.objectContaining({ target: "/run/nexus/ssh" }));
    expect(web.entrypoint).toBeUndefined();
    expect(devEnvironment(input)).toMatchObject({
      NEXUS_WORKSPACE: "feat",
      NEXUS_PORT_SSH: "41001",
      GIT_AUTHOR_NAME: "U Ser",
      GIT_COMMITTER_EMAIL: "u@x",
      HTTPS_PROXY: "http://p:3128",
      FROM_ENV: "1",
      POSTGRES_HOST: "db",
    });
  });

  it("gives builds the CA as the nexus_ca secret, the dev container the CA and a NO_PROXY naming the services", () => {
    const withCa: OverrideInput = { ...input, host: { ...input.host, caFile: "/etc/ssl/certs/ca.crt" } };
    const out = buildOverride(withCa, ["web", "db"]) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(out.secrets).toEqual({ nexus_ca: { file: "/etc/ssl/certs/ca.crt" } });
    expect(out.services!.web!.build).toEqual({
      args: { HTTPS_PROXY: "http://p:3128" },
      secrets: ["nexus_ca"],
      labels: { "nexus.image": "1", "nexus.image.content": "123" },
    });
    expect(out.services!.db!.build).toBeUndefined();
    expect(out.services!.web!.volumes).toContainEqual({
      type: "bind",
      source: "/etc/ssl/certs/ca.crt",
      target: "/run/nexus/ca.crt",
      read_only: true,
    });
    expect(devEnvironment(withCa)).toMatchObject({
      NODE_EXTRA_CA_CERTS: "/run/nexus/ca.crt",
      SSL_CERT_FILE: "/run/nexus/ca.crt",
      NO_PROXY: "localhost,127.0.0.1,web,db,worker",
      no_proxy: "localhost,127.0.0.1,web,db,worker",
    });
    const listed = {
      ...withCa,
      host: { ...withCa.host, proxy: { HTTP_PROXY: "http://p", NO_PROXY: "corp,db" } },
    };
    expect(devEnvironment(listed).NO_PROXY).toBe("corp,db,localhost,127.0.0.1,web,worker");
    expect(buildOverride(input, ["db"])).not.toHaveProperty("secrets");
  });

  it("escapes `$` in what it copies in, so Compose never interpolates a password or a path", () => {
    const dollars: OverrideInput = {
      ...input,
      mounts: { ...input.mounts, worktree: "/home/$USER/w" },
      host: { ...input.host, proxy: { HTTPS_PROXY: "http://me:pa$$word@p:3128" } },
      extraEnv: { GREETING: "it costs $5 or ${PRICE}" },
    };
    const web = (buildOverride(dollars, ["web"]) as { services: Record<string, Record<string, unknown>> })
      .services.web!;
    expect(web.volumes).toContainEqual({ type: "bind", source: "/home/$$USER/w", target: "/app" });
    expect(web.environment).toMatchObject({
      HTTPS_PROXY: "http://me:pa$$$$word@p:3128",
      GREETING: "it costs $$5 or $${PRICE}",
    });
  });

  it("keeps an overrideCommand dev container alive, and writes Compose's tags", async () => {
    const kept = buildOverride({ ...input, env: { ...env, overrideCommand: true } }, ["web"]);
    const text = overrideYaml(kept);
    expect(text).toContain("ports: !override");
    expect(text).toContain("container_name: !reset null");
    expect(text).toContain("command: !reset []");
    expect(text).toMatch(/entrypoint:\n\s+- "\/bin\/sh"/);
  });
});

describe("udp ports", () => {
  it("keep their protocol, and a port published as tcp and udp gets one lease for both", () => {
    const dns: ComposeModel = {
      name: "p",
      services: {
        dns: {
          image: "x",
          ports: [
            { target: 53, protocol: "udp" },
            { target: 53, protocol: "tcp" },
            { target: 67, protocol: "udp" },
          ],
        },
      },
    };
    const ports = [
      { workspace: "feat", service: "dns", name: "dns-53", containerPort: 53, hostPort: 41010 },
      { workspace: "feat", service: "dns", name: "dns-67", containerPort: 67, hostPort: 41011 },
    ];
    const out = buildOverride({ ...input, env: { ...env, devService: undefined }, model: dns, ports }, [
      "dns",
    ]) as {
      services: Record<string, { ports: Tagged }>;
    };
    expect(out.services.dns!.ports.value).toEqual([
      { name: "dns-53", target: 53, published: "41010", host_ip: "127.0.0.1", protocol: "udp" },
      { name: "dns-53", target: 53, published: "41010", host_ip: "127.0.0.1", protocol: "tcp" },
      { name: "dns-67", target: 67, published: "41011", host_ip: "127.0.0.1", protocol: "udp" },
    ]);
  });
});
