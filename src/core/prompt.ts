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

/**
 * Asks which of `options` to use (numbered from 1; an empty answer takes the first). Only called on a
 * terminal: commands pass it when standard input is one and `--yes` is not given.
 */
export async function choose(question: string, options: string[]): Promise<number> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const list = options.map((o, i) => `  ${i + 1}) ${o}`).join("\n");
    const answer = (await rl.question(`${question}\n${list}\nNumber [1]: `)).trim();
    const picked = answer === "" ? 1 : Number(answer);
    if (Number.isInteger(picked) && picked >= 1 && picked <= options.length) return picked - 1;
    throw new UsageError(
      `"${answer}" is not one of 1 to ${options.length}.`,
      "Run the command again and answer with a number, or pass --yes to take the first.",
    );
  } finally {
    rl.close();
  }
}
