import { formatSeconds } from "../../core/output.js";
import { type Criterion, criterion } from "../report.js";

/** One failure injection and what the recovery left behind. */
export interface Case {
  name: string;
  ms: number;
  detail: string;
  /** Services not running/healthy or ports refusing after the recovery. */
  unreachable: string[];
  /** Work that did not survive (a committed file, uncommitted edits, a database row). */
  lost: string[];
  error?: string;
}

/** Pure: each injection passes when its recovery worked and nothing was lost. */
export function evaluateRecovery(cases: Case[], setupError?: string): Criterion[] {
  if (setupError) return [criterion("workspace_created", false, setupError)];
  const each = cases.map((c) => {
    const problems = [...(c.error ? [c.error] : []), ...c.unreachable];
    return criterion(
      `${c.name}_recovered`,
      problems.length === 0,
      problems.length ? problems.join("; ") : `${c.detail} (${formatSeconds(c.ms)})`,
    );
  });
  const lost = cases.flatMap((c) => c.lost.map((l) => `${c.name}: ${l}`));
  return [
    ...each,
    criterion(
      "nothing_lost",
      lost.length === 0 && cases.length > 0,
      lost.join("; ") || "all work survived every injection",
    ),
  ];
}
