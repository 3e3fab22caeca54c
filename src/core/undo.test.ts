import { afterEach, describe, expect, it, vi } from "vitest";
import { UndoStack } from "./undo.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("UndoStack", () => {
  it("undoes newest first when the operation fails, and rethrows", async () => {
    const done: string[] = [];
    const undo = new UndoStack();
    const failing = undo.guard(async () => {
      undo.push(async () => done.push("worktree"));
      undo.push(async () => {
        throw new Error("a failing step does not stop the others");
      });
      undo.push(async () => done.push("containers"));
      throw new Error("boom");
    });
    await expect(failing).rejects.toThrow("boom");
    expect(done).toEqual(["containers", "worktree"]);
    expect(process.listenerCount("SIGINT")).toBe(0);
  });

  it("keeps what a successful operation made", async () => {
    const undo = new UndoStack();
    const step = vi.fn(async () => undefined);
    const result = await undo.guard(async () => {
      undo.push(step);
      return 42;
    });
    expect(result).toBe(42);
    expect(step).not.toHaveBeenCalled();
  });

  it("undoes and exits 130 on Ctrl-C", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const undo = new UndoStack();
    const step = vi.fn(async () => undefined);
    let release: () => void = () => {};
    const running = undo.guard(async () => {
      undo.push(step);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    process.emit("SIGINT", "SIGINT");
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(130));
    expect(step).toHaveBeenCalledOnce();
    release();
    await running;
  });

  it("undoes and exits 1 when the process crashes with an unhandled error", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const undo = new UndoStack();
    const step = vi.fn(async () => undefined);
    let release: () => void = () => {};
    const running = undo.guard(async () => {
      undo.push(step);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    process.emit("uncaughtException" as "SIGINT", new Error("write EPIPE") as never);
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(step).toHaveBeenCalledOnce();
    release();
    await running;
  });
});
