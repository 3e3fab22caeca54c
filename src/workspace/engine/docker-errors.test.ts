import { describe, expect, it } from "vitest";
import { NexusError } from "../../core/errors.js";
import { explainDockerError } from "./docker-errors.js";

describe("explainDockerError", () => {
  it("says what an exhausted address pool means and how to free pools", () => {
    const raw = new Error(
      "(HTTP code 404) no such network - could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
    );
    const error = explainDockerError(raw) as NexusError;
    expect(error).toBeInstanceOf(NexusError);
    expect(error.message).toMatch(/network address pool/);
    expect(error.hint).toMatch(/docker network prune/);
    expect(error.hint).toMatch(/default-address-pools/);
  });

  it("names a missing bind source", () => {
    const error = explainDockerError(
      new Error(
        '(HTTP code 400) invalid mount config for type "bind": bind source path does not exist: /w/data',
      ),
    ) as NexusError;
    expect(error.message).toBe("The bind mount source /w/data does not exist.");
    expect(error.hint).toMatch(/copy_files/);
  });

  it("explains a full disk, and leaves unknown errors alone", () => {
    expect(
      (explainDockerError(new Error("write /var/lib/docker/x: no space left on device")) as Error).message,
    ).toMatch(/disk is full/);
    const other = new Error("something else");
    expect(explainDockerError(other)).toBe(other);
  });
});
