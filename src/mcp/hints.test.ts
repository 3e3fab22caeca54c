import { describe, expect, it } from "vitest";
import { NotFoundError, UsageError } from "../core/errors.js";
import { taskProject } from "../tasks/fixtures.test-helper.js";
import { createTask, move } from "../tasks/lifecycle.js";
import { canMove, STATUSES } from "../tasks/model.js";
import { errorText, mcpHint } from "./hints.js";
import { ALL_TOOLS } from "./server.js";

describe("hints over MCP", () => {
  it("name MCP tools instead of shell commands", () => {
    expect(mcpHint("Run `nexus task list` to see the task IDs.")).toBe("Call task_list to see the task IDs.");
    expect(mcpHint("See `nexus task list` for blocked and in-progress work.")).toBe(
      "Call task_list for blocked and in-progress work.",
    );
    expect(mcpHint("Claim it: nexus task claim nx-1a2b --agent bot")).toBe(
      "Call task_claim with id nx-1a2b and agent bot.",
    );
    expect(mcpHint("Start it with `nexus workspace up feat`.")).toBe(
      "Start it with `nexus workspace up feat`.",
    );
    expect(errorText(new NotFoundError("No task nx-1.", "Run `nexus task list` to see the task IDs."))).toBe(
      "No task nx-1.\nHint: Call task_list to see the task IDs.",
    );
    expect(errorText(new UsageError("Bad."))).toBe("Bad.");
    expect(mcpHint("Run `nexus land` again to land what is left.")).toBe(
      "Call task_land again to land what is left.",
    );
    expect(mcpHint("Set `gates`, then run `nexus land --push origin` again.")).toBe(
      "Set `gates`, then call task_land again.",
    );
    expect(mcpHint("Run `nexus task` first.")).toBe("Run `nexus task` first.");
  });

  it("rewrite every transition hint without a shell command", async () => {
    const p = await taskProject();
    const tc = p.open();
    const task = createTask(tc, { title: "t" });
    const hints = STATUSES.map((status) => {
      const illegal = STATUSES.find((to) => !canMove(status, to))!;
      try {
        move(tc, { ...task, status }, illegal, { type: "x" });
      } catch (error) {
        return (error as UsageError).hint ?? "";
      }
      return "";
    });
    expect(hints.filter(Boolean)).toHaveLength(STATUSES.length);
    for (const hint of hints) {
      expect(mcpHint(hint), hint).not.toMatch(/nexus task/);
      expect(mcpHint(hint), hint).toMatch(/task_(claim|complete|reject|show)/);
    }
  });

  it("describe every tool parameter", () => {
    const undescribed = ALL_TOOLS.flatMap((tool) =>
      Object.entries(tool.input)
        .filter(([, schema]) => !(schema as { description?: string }).description)
        .map(([name]) => `${tool.name}.${name}`),
    );
    expect(undescribed).toEqual([]);
  });
});
