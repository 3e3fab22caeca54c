import { isNexusError } from "../core/errors.js";

/** An error as one line for a report: the message, and the hint when there is one. */
export function errorText(error: unknown): string {
  if (isNexusError(error))
    return error.hint ? `${error.message} (${error.hint.split("\n")[0]})` : error.message;
  return (error as Error)?.message ?? String(error);
}
