/** What every probe returns: the product plan's report shape, as data (rendered by the command). */
export type MetricValue = number | string | boolean;

export interface Criterion {
  name: string;
  pass: boolean;
  /** Why: the measured value against the bar, or what went wrong. */
  detail: string;
}

export interface ProbeReport {
  probe: string;
  started_at: string;
  metrics: Record<string, MetricValue>;
  success_criteria: Criterion[];
  passed: boolean;
}

export function criterion(name: string, pass: boolean, detail: string): Criterion {
  return { name, pass, detail };
}

export function report(
  probe: string,
  startedAt: Date,
  metrics: Record<string, MetricValue>,
  criteria: Criterion[],
): ProbeReport {
  return {
    probe,
    started_at: startedAt.toISOString(),
    metrics,
    success_criteria: criteria,
    passed: criteria.every((c) => c.pass),
  };
}

/** The plan's YAML shape: `success_criteria` as `name: pass|fail` with the reason beside it. */
export function reportShape(r: ProbeReport): Record<string, unknown> {
  return {
    probe: r.probe,
    started_at: r.started_at,
    metrics: r.metrics,
    success_criteria: Object.fromEntries(
      r.success_criteria.map((c) => [c.name, { result: c.pass ? "pass" : "fail", detail: c.detail }]),
    ),
    result: r.passed ? "pass" : "fail",
  };
}

/** `probe all`: every report and one line per probe. */
export interface ProbeSummary {
  probes: ProbeReport[];
  passed: boolean;
  failed: { probe: string; criteria: string[] }[];
}

export function summarise(reports: ProbeReport[]): ProbeSummary {
  return {
    probes: reports,
    passed: reports.every((r) => r.passed),
    failed: reports
      .filter((r) => !r.passed)
      .map((r) => ({
        probe: r.probe,
        criteria: r.success_criteria.filter((c) => !c.pass).map((c) => c.name),
      })),
  };
}
