import { type ProbeSummary, reportShape } from "./report.js";

/** The plan's YAML report: one document per probe, and for `all` a closing summary document. */
export async function renderProbeYaml(summary: ProbeSummary, withSummary: boolean): Promise<string> {
  const { stringify } = await import("yaml");
  const docs = summary.probes.map((r) => stringify(reportShape(r), { lineWidth: 0 }).trimEnd());
  if (withSummary)
    docs.push(
      stringify(
        {
          summary: Object.fromEntries(summary.probes.map((r) => [r.probe, r.passed ? "pass" : "fail"])),
          result: summary.passed ? "pass" : "fail",
        },
        { lineWidth: 0 },
      ).trimEnd(),
    );
  return docs.join("\n---\n");
}
