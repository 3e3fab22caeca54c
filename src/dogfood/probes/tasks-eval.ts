import { type Criterion, criterion } from "../report.js";

export interface TaskTimeline {
  id: string;
  status: string;
  workspace?: string;
  startedAt?: string;
  doneAt?: string;
}

/** Pure: all three done, the dependent started after its dependency was done, the others overlapped in two workspaces. */
export function evaluateOrder(
  t: { first: TaskTimeline; dependent: TaskTimeline; independent: TaskTimeline },
  output = "",
): Criterion {
  const name = "dependent_in_order_independent_in_parallel";
  const all = [t.first, t.dependent, t.independent];
  const notDone = all.filter((x) => x.status !== "done");
  if (notDone.length) {
    const last = output.trim().split("\n").at(-1) ?? "";
    return criterion(
      name,
      false,
      `not done: ${notDone.map((x) => `${x.id} (${x.status})`).join(", ")}${last ? `; ralph: ${last}` : ""}`,
    );
  }
  const inOrder = (t.dependent.startedAt ?? "") >= (t.first.doneAt ?? "\uffff");
  const overlapped =
    (t.independent.startedAt ?? "") < (t.first.doneAt ?? "") &&
    (t.first.startedAt ?? "") < (t.independent.doneAt ?? "");
  const apart = t.first.workspace !== undefined && t.first.workspace !== t.independent.workspace;
  const problems = [
    ...(inOrder ? [] : [`${t.dependent.id} started before ${t.first.id} was done`]),
    ...(overlapped ? [] : [`${t.first.id} and ${t.independent.id} did not run at the same time`]),
    ...(apart ? [] : [`${t.first.id} and ${t.independent.id} shared a workspace`]),
  ];
  return criterion(
    name,
    problems.length === 0,
    problems.join("; ") ||
      `${t.dependent.id} started after ${t.first.id} was done; ${t.first.id} and ${t.independent.id} ran at once in ${t.first.workspace} and ${t.independent.workspace}`,
  );
}
