import { UsageError } from "./errors.js";

/** Asks a yes/no question on a terminal; without one, refuses instead of guessing. */
export async function confirm(question: string, forceFlag = "--force"): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `${question} Refusing to ask: standard input is not a terminal.`,
      `Pass ${forceFlag} to confirm.`,
    );
  }
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
