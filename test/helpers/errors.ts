import type { NexusError } from "../../src/core/errors.js";

/** The error a call throws (the test fails when it throws none), for asserting message, hint and exit code. */
export function errorOf(fn: () => unknown): NexusError {
  try {
    fn();
  } catch (error) {
    return error as NexusError;
  }
  throw new Error("expected an error");
}
