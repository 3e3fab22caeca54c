import { formatSeconds } from "../../core/output.js";
import { type Criterion, criterion, type MetricValue } from "../report.js";

/** One `onStage` call of createWorkspace (src/workspace/setup/runtime.ts names the stages). */
export interface Stage {
  stage: string;
  ms: number;
  attempts?: number;
  moved?: number;
}

export interface CreationFacts {
  stages: Stage[];
  totalMs: number;
  /** Images the create built or pulled (absent before it), by whether they came from a build. */
  newImages: { built: number; pulled: number };
  ports: number;
  errors: string[];
  /** Services not running/healthy, or ports that refused the first connection. */
  unreachable: string[];
  branch: { expected: string; checkedOut?: string };
}

const sum = (stages: Stage[], name: string, key: "ms" | "attempts" = "ms") =>
  stages.filter((s) => s.stage === name).reduce((n, s) => n + (s[key] ?? 0), 0);

/** Pure: the plan's metrics from the stage timings. Image work happens inside `compose up`. */
export function creationMetrics(facts: CreationFacts): Record<string, MetricValue> {
  const { stages, newImages } = facts;
  const composeUp = sum(stages, "compose_up");
  return {
    total_duration_ms: Math.round(facts.totalMs),
    template_download_time_ms: newImages.built + newImages.pulled > 0 ? composeUp : 0,
    docker_pull_time_ms: newImages.pulled > 0 ? composeUp : 0,
    worktree_creation_time_ms: sum(stages, "worktree"),
    compose_up_time_ms: composeUp,
    services_ready_time_ms: sum(stages, "ready"),
    port_allocation_attempts: sum(stages, "ports", "attempts"),
    port_allocation_rounds: stages.filter((s) => s.stage === "ports").length,
    ports: facts.ports,
    images_built: newImages.built,
    images_pulled: newImages.pulled,
    errors_encountered: facts.errors.length,
  };
}

/** Pure: the plan's success criteria for creating one workspace. */
export function evaluateCreation(facts: CreationFacts, limits: { maxDurationMs: number }): Criterion[] {
  const attempts = sum(facts.stages, "ports", "attempts");
  const rounds = facts.stages.filter((s) => s.stage === "ports").length;
  const onePerPort = rounds <= 1 && attempts <= facts.ports;
  const { branch } = facts;
  return [
    criterion(
      "duration_under_limit",
      facts.totalMs < limits.maxDurationMs,
      `${formatSeconds(facts.totalMs)} (limit ${formatSeconds(limits.maxDurationMs)})`,
    ),
    criterion(
      "one_port_allocation_attempt",
      onePerPort,
      `${attempts} bind probe(s) for ${facts.ports} port(s) in ${rounds} round(s)`,
    ),
    criterion("no_errors", facts.errors.length === 0, facts.errors.join("; ") || "none"),
    criterion(
      "services_reachable_first_try",
      facts.errors.length === 0 && facts.unreachable.length === 0,
      facts.unreachable.length
        ? facts.unreachable.join("; ")
        : facts.errors.length
          ? "not started"
          : "all services up, every port answered the first connection",
    ),
    criterion(
      "branch_created_and_checked_out",
      branch.checkedOut === branch.expected,
      branch.checkedOut ? `${branch.checkedOut} in the worktree` : `${branch.expected} missing`,
    ),
  ];
}
