import { describe, expect, it } from "vitest";
import type { ServiceState } from "../engine/containers.js";
import type { Environment } from "../environment/types.js";
import { devSetupOnStart } from "./prepare.js";

const ref = { repoId: "abcdef123456", workspace: "feat" };
const host = { uid: 1000, gid: 1000 } as Parameters<typeof devSetupOnStart>[0]["host"];

function setupWith(env: Partial<Environment>, setUp: () => Promise<ServiceState | undefined>) {
  return devSetupOnStart({ ref, env: env as Environment, host, ports: [] }, setUp);
}

describe("devSetupOnStart", () => {
  it("begins the dev container's setup once, when Compose says that container started", () => {
    const asked: number[] = [];
    const never = () => {
      asked.push(asked.length);
      return new Promise<ServiceState | undefined>(() => undefined);
    };
    const setup = setupWith({ devService: "dev" }, never);
    setup.onLine("Container nexus-feat-abcdef-db-1  Started");
    setup.onLine("Container nexus-feat-abcdef-dev-1  Starting");
    expect(asked).toHaveLength(0);
    setup.onLine("Container nexus-feat-abcdef-dev-1  Started");
    setup.onLine("Container nexus-feat-abcdef-dev-1  Started");
    void setup.result();
    expect(asked).toHaveLength(1);
  });

  it("has nothing to set up without a dev service, and settles at once when nothing began", async () => {
    const setup = setupWith({}, () => Promise.reject(new Error("no engine needed")));
    setup.onLine("Container nexus-feat-abcdef-dev-1  Started");
    await expect(setup.settled()).resolves.toBeUndefined();
    await expect(setup.result()).resolves.toBeUndefined();
  });

  it("settles a failed setup without throwing, and result() gives its error", async () => {
    const setup = setupWith({ devService: "dev" }, () => Promise.reject(new Error("engine gone")));
    setup.onLine("Container nexus-feat-abcdef-dev-1  Started");
    await expect(setup.settled()).resolves.toBeUndefined();
    await expect(setup.result()).rejects.toThrow("engine gone");
  });
});
