import { ExitCode, PassThroughExit } from "./errors.js";
import { printUnexpected } from "./output.js";
import { type Report, silentReport } from "./report.js";

type Step = () => Promise<unknown>;

/**
 * Steps that undo what a multi-step operation made. On failure, or on Ctrl-C / SIGTERM while
 * it runs, they run newest first, so nothing half-made is left behind.
 */
export class UndoStack {
  private readonly steps: Step[] = [];

  /** `report` is told when a signal or a crash starts the undo (commands pass the printer). */
  constructor(private readonly report: Report = silentReport) {}

  push(step: Step): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }

  async guard<T>(operation: () => Promise<T>): Promise<T> {
    const onSignal = (signal: NodeJS.Signals) => {
      this.report.warn(`${signal}: undoing what was made so far…`);
      void this.run().finally(() =>
        process.exit(signal === "SIGINT" ? PassThroughExit.SIGINT : PassThroughExit.SIGTERM),
      );
    };
    // A crash anywhere (an unhandled error in a stream or timer) must not leave half-made things.
    const onCrash = (error: unknown) => {
      this.report.warn(`${(error as Error)?.message ?? String(error)}: undoing what was made so far…`);
      // The last-resort crash report, as the top-level handler writes it (no Report is sure to exist).
      void this.run().finally(() => {
        printUnexpected(error);
        process.exit(ExitCode.failure);
      });
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("uncaughtException", onCrash);
    try {
      return await operation();
    } catch (error) {
      await this.run();
      throw error;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("uncaughtException", onCrash);
    }
  }
}
