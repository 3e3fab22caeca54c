import { warn } from "./output.js";

type Step = () => Promise<unknown>;

/**
 * Steps that undo what a multi-step operation made. On failure, or on Ctrl-C / SIGTERM while
 * it runs, they run newest first, so nothing half-made is left behind.
 */
export class UndoStack {
  private readonly steps: Step[] = [];

  push(step: Step): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }

  async guard<T>(operation: () => Promise<T>): Promise<T> {
    const onSignal = (signal: NodeJS.Signals) => {
      warn(`${signal}: undoing what was made so far…`);
      void this.run().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      return await operation();
    } catch (error) {
      await this.run();
      throw error;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}
