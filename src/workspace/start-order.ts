import { UsageError } from "../core/errors.js";
import type { ComposeFile } from "./template-schema.js";

/** Services in depends_on order; a cycle is a template error. */
export function startOrder(compose: ComposeFile, file = "compose.yaml"): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      throw new UsageError(
        `${file}: depends_on cycle: ${[...trail, name].join(" -> ")}.`,
        "Remove one depends_on entry of the cycle. Nothing was created.",
      );
    }
    state.set(name, "visiting");
    for (const dep of Object.keys(compose.services[name]?.depends_on ?? {})) visit(dep, [...trail, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of Object.keys(compose.services).sort()) visit(name, []);
  return order;
}
