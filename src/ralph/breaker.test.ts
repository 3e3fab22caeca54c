import { describe, expect, it } from "vitest";
import { circuitBreaker } from "./breaker.js";
import type { RunState } from "./state.js";

function state(iterations: Partial<RunState["iterations"][number]>[]): RunState {
  return {
    iterations: iterations.map((i, n) => ({
      iteration: n + 1,
      agentExitCode: 0,
      changed: true,
      passed: false,
      failures: [],
      durationMs: 1,
      log: "",
      ...i,
    })),
  } as RunState;
}

describe("the circuit breaker", () => {
  it("counts the same send-back by the landing five times in a row as a repeated failure", () => {
    const back = { passed: true, sentBack: "conflict: a.txt" };
    expect(circuitBreaker(state(Array(4).fill(back)))).toBeUndefined();
    expect(circuitBreaker(state(Array(5).fill(back)))).toMatchObject({
      status: "repeated_failure",
      message: expect.stringContaining("sent back: conflict: a.txt"),
    });
  });

  it("does not count passing iterations, or send-backs for different reasons", () => {
    expect(circuitBreaker(state(Array(5).fill({ passed: true })))).toBeUndefined();
    const mixed = ["a.txt", "b.txt", "a.txt", "b.txt", "a.txt"].map((f) => ({
      passed: true,
      sentBack: `conflict: ${f}`,
    }));
    expect(circuitBreaker(state(mixed))).toBeUndefined();
  });
});
