import { describe, expect, it } from "vitest";
import type { ComposeModel } from "../engine/compose-model.js";
import { checkRiskyServices, riskyServices } from "./risky-services.js";

const model: ComposeModel = {
  name: "p",
  services: {
    web: { image: "nginx", network_mode: "host" },
    ci: {
      image: "docker",
      privileged: true,
      volumes: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }],
    },
    runner: { image: "x", volumes: [{ type: "bind", source: "/run/", target: "/host-run" }] },
    debug: { image: "x", pid: "host", ipc: "host" },
    db: { image: "postgres", volumes: [{ type: "volume", source: "data", target: "/var/run/docker.sock" }] },
    app: {
      image: "x",
      network_mode: "service:db",
      volumes: [{ type: "bind", source: "/srv/run", target: "/a" }],
    },
  },
};
const all = Object.keys(model.services);

describe("services that reach past their workspace", () => {
  it("finds the host's network, processes, IPC, privileged mode and the Docker socket in any bind", () => {
    expect(riskyServices(model, all)).toEqual([
      { service: "web", risks: ["host_network"] },
      { service: "ci", risks: ["privileged", "docker_socket"] },
      { service: "runner", risks: ["docker_socket"] },
      { service: "debug", risks: ["host_pid", "host_ipc"] },
    ]);
    expect(riskyServices(model, ["db", "app"])).toEqual([]);
  });

  it("refuses each by name and what it exposes, and the hint is the allow entry to add", () => {
    const warnings: string[] = [];
    const check = () =>
      checkRiskyServices({ model, services: ["web", "ci"], allow: {}, onWarning: (w) => warnings.push(w) });
    expect(check).toThrow(/web asks for the host's network.*ci asks for the host's devices.*Docker socket/);
    try {
      check();
    } catch (error) {
      expect((error as { hint: string }).hint).toContain("web: [host_network]");
      expect((error as { hint: string }).hint).toContain("ci: [privileged, docker_socket]");
    }
    expect(warnings).toEqual([]);
  });

  it("starts what config allows, with a warning naming it; a partial allow still refuses the rest", () => {
    const warnings: string[] = [];
    const onWarning = (w: string) => warnings.push(w);
    checkRiskyServices({ model, services: ["web"], allow: { web: ["host_network"] }, onWarning });
    expect(warnings).toEqual([expect.stringMatching(/^service web is allowed the host's network/)]);
    expect(() =>
      checkRiskyServices({ model, services: ["ci"], allow: { ci: ["privileged"] }, onWarning }),
    ).toThrow(/ci asks for the Docker socket/);
  });
});
