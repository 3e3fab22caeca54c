import { existsSync, readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "./errors.js";

/** Parses and validates a YAML file; every problem names the file, the field and what is wrong. */
export function readYamlFile<T extends z.ZodType>(file: string, schema: T, hint: string): z.output<T> {
  if (!existsSync(file)) throw new UsageError(`File not found: ${file}`, hint);
  return parseYaml(readFileSync(file, "utf8"), { file, schema, hint });
}

export function parseYaml<T extends z.ZodType>(
  text: string,
  options: { file: string; schema: T; hint: string },
): z.output<T> {
  const doc = parseDocument(text, { prettyErrors: false });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const line = text.slice(0, syntaxError.pos[0]).split("\n").length;
    throw new UsageError(
      `${options.file}${line ? `:${line}` : ""}: invalid YAML: ${syntaxError.message.split("\n")[0]}`,
      options.hint,
    );
  }
  const result = options.schema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? issue.path.join(".") : "(top level)";
    throw new UsageError(`${options.file}: ${field}: ${issue.message}`, options.hint);
  }
  return result.data;
}
