// PROTOTYPE, measurement only (reverted in the next commit): `nexus complete -- WORDS` through @bomb.sh/tab.
import type { Command } from "commander";
import { listNames } from "./list.js";
import { allNodes, completionTree, type ValueKind } from "./tree.js";

export async function tabComplete(program: Command, args: string[], templates: string): Promise<void> {
  const { default: t } = await import("@bomb.sh/tab");
  t.optionLookupMode = "parent-first";
  const tree = completionTree(program);
  const values = (kind: ValueKind | undefined) => {
    if (!kind || kind === "none") return undefined;
    return (complete: (v: string, d: string) => void) => {
      const names = kind.startsWith("words:")
        ? kind.slice(6).split(",")
        : listNames(`${kind}s` as "tasks", process.cwd(), templates);
      for (const n of names) complete(n, "");
    };
  };
  for (const node of allNodes(tree)) {
    const cmd = node.path ? t.command(node.path, "") : t;
    for (const o of node.options) {
      const long = o.flags.find((f) => f.startsWith("--"));
      const short = o.flags.find((f) => !f.startsWith("--"));
      if (!long) continue;
      const h = o.value ? (values(o.value) ?? (() => {})) : undefined;
      if (h) cmd.option(long.slice(2), "", h, short?.slice(1));
      else cmd.option(long.slice(2), "", short?.slice(1));
    }
    for (const [i, kind] of node.args.entries())
      cmd.argument(`a${i}`, values(kind), node.variadic && i === node.args.length - 1);
  }
  t.parse(args);
}
