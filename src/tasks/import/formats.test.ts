import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backlog } from "./backlog.js";
import { beads } from "./beads.js";
import { claude } from "./claude.js";
import { type SourceTask, splitCriteria } from "./mapper.js";
import { taskmaster } from "./taskmaster.js";

const fixtures = new URL("../../../test/fixtures/import/", import.meta.url).pathname;
const byId = <T extends { id: string }>(tasks: T[]) => Object.fromEntries(tasks.map((t) => [t.id, t]));

describe("reading each tool's documented format", () => {
  it("beads: statuses, 0-4 priorities, issue types as labels, blocks and parent-child, tombstones skipped", () => {
    const { tasks, skipped } = beads.read(join(fixtures, "beads/.beads/issues.jsonl"));
    expect(skipped).toBe(1);
    const t = byId(tasks);
    expect(Object.keys(t)).toEqual(["bd-a1b2", "bd-c3d4", "bd-e5f6", "bd-e5f6.1"]);
    expect(t["bd-a1b2"]).toMatchObject({
      status: "done",
      priority: 1,
      labels: ["auth", "backend", "type:feature"],
      checks: ["npm test -- login"],
    });
    // Prose criteria and the design stay in the description: only a command becomes a check.
    expect(t["bd-a1b2"]!.description).toContain("## Design\n\nSessions in a signed cookie.");
    expect(t["bd-a1b2"]!.description).toContain(
      "## Acceptance criteria\n\n- A wrong password shows an error",
    );
    expect(t["bd-c3d4"]).toMatchObject({ priority: 0, dependsOn: ["bd-a1b2"], labels: ["auth"] });
    // parent-child: the epic waits for its child; `related` says nothing about order.
    expect(t["bd-e5f6.1"]).toMatchObject({
      requiredBy: ["bd-e5f6"],
      dependsOn: [],
      status: "open",
      labels: ["frontend", "status:deferred"],
    });
    expect(t["bd-e5f6"]!.labels).toEqual(["type:epic"]);
  });

  it("Taskmaster: tags, subtasks as tasks their parent waits for, word priorities, testStrategy", () => {
    const { tasks } = taskmaster.read(join(fixtures, "taskmaster/.taskmaster/tasks/tasks.json"));
    const t = byId(tasks);
    expect(tasks.map((x) => x.id)).toEqual(["1", "2", "2.1", "2.2", "3", "feature-search:1"]);
    expect(t["1"]).toMatchObject({ status: "done", priority: 1, checks: ["npm test"] });
    expect(t["2"]).toMatchObject({ status: "in_progress", priority: 2, dependsOn: ["1"] });
    expect(t["2"]!.description).toBe(
      "REST endpoints for orders.\n\n## Details\n\nExpress with zod validation.\n\n## Test strategy\n\nCall each endpoint and compare with the OpenAPI examples.",
    );
    expect(t["2.2"]).toMatchObject({ dependsOn: ["2.1"], requiredBy: ["2"], status: "open" });
    expect(t["3"]).toMatchObject({ priority: 3, labels: ["status:deferred"], dependsOn: ["2"] });
    expect(t["feature-search:1"]!.labels).toEqual(["tag:feature-search"]);
  });

  it("Backlog.md: front matter, marked and unmarked sections, criteria, parent tasks", () => {
    const t = byId(backlog.read(join(fixtures, "backlog/backlog/tasks")).tasks);
    expect(t["task-1"]).toMatchObject({
      title: "Set up CI",
      status: "done",
      priority: 1,
      labels: ["infra"],
      checks: ["npm test"],
      description:
        "Run the tests on every push.\n\n## Acceptance Criteria\n\n- [x] #2 A failing test fails the build",
    });
    expect(t["task-2"]).toMatchObject({ status: "in_progress", dependsOn: ["task-1"], priority: 2 });
    expect(t["task-2"]!.description).toContain("## Implementation Plan");
    expect(t["task-2.1"]).toMatchObject({
      title: "Post preview links — «aperçu»",
      description: "Comment on the pull request with the preview's address.",
      requiredBy: ["task-2"],
      priority: 3,
    });
  });

  it("Claude Code: subject, completed, blocks and blockedBy", () => {
    const { tasks } = claude.read(join(fixtures, "claude/tasks/sprint-7"));
    const t = byId(tasks);
    expect(tasks.map((x) => x.id)).toEqual(["1", "2", "3"]);
    expect(t["1"]).toMatchObject({
      title: "Read the failing test output",
      status: "done",
      requiredBy: ["2"],
    });
    expect(t["3"]).toMatchObject({ status: "open", dependsOn: ["2"], priority: 2, checks: [] });
  });

  it("criteria: only a criterion that is one command in backticks is a check", () => {
    expect(
      splitCriteria([
        "- [ ] #1 `npm test`",
        "- users can log in",
        "run `make` first",
        "`` echo `date` ``",
        "",
      ]),
    ).toEqual({ checks: ["npm test", "echo `date`"], prose: ["- users can log in", "run `make` first"] });
  });

  it("bad input: malformed JSON, a missing file, front matter that is not YAML", () => {
    expect(() => beads.read(join(fixtures, "missing.jsonl"))).toThrow(/No beads tasks at/);
    expect(() => taskmaster.read(join(fixtures, "README.md"))).toThrow(/is not a taskmaster task file/);
    expect(() => claude.read(join(fixtures, "nowhere"))).toThrow(/No claude tasks at/);
    expect(() => backlog.read(join(fixtures, "README.md"))).toThrow(/is not a folder/);
  });
});

describe("writing each tool's documented format", () => {
  const tasks: SourceTask[] = [
    {
      id: "1",
      title: "Base",
      description: "",
      status: "done",
      priority: 1,
      labels: ["core"],
      dependsOn: [],
      requiredBy: ["2"],
      checks: ["npm test"],
    },
    {
      id: "2",
      title: "Top / next",
      description: "d",
      status: "rejected",
      priority: 4,
      labels: [],
      dependsOn: ["1"],
      requiredBy: [],
      checks: [],
      nexusId: "nx-ab12",
    },
  ];
  const only = (files: Map<string, string>) => [...files.values()][0]!;

  it("beads: one issue per line, closed, blocks dependencies, criteria", () => {
    const [a, b] = only(beads.render(tasks))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(a).toMatchObject({
      id: "1",
      status: "closed",
      priority: 1,
      issue_type: "task",
      acceptance_criteria: "`npm test`",
    });
    expect(b.dependencies).toEqual([{ issue_id: "2", depends_on_id: "1", type: "blocks" }]);
    expect(b.nexus).toEqual({ id: "nx-ab12", status: "rejected" });
  });

  it("Taskmaster: tagged under master, numeric ids, word priorities, testStrategy", () => {
    const data = JSON.parse(only(taskmaster.render(tasks)));
    expect(data.master.tasks[0]).toMatchObject({
      id: 1,
      status: "done",
      priority: "high",
      testStrategy: "`npm test`",
      subtasks: [],
    });
    expect(data.master.tasks[1]).toMatchObject({
      id: 2,
      status: "pending",
      priority: "low",
      dependencies: [1],
    });
    expect(data.master.tasks[1].nexus).toEqual({ id: "nx-ab12", status: "rejected", priority: 4 });
  });

  it("Backlog.md: task-N - Title.md, front matter, marked sections, numbered criteria", () => {
    const files = backlog.render([
      { ...tasks[0]!, id: "task-1" },
      { ...tasks[1]!, id: "task-2", dependsOn: ["task-1"] },
    ]);
    expect([...files.keys()]).toEqual(["task-1 - Base.md", "task-2 - Top - next.md"]);
    const first = files.get("task-1 - Base.md")!;
    expect(first).toMatch(/^---\nid: task-1\ntitle: Base\nstatus: Done\n/);
    expect(first).toContain("<!-- SECTION:DESCRIPTION:BEGIN -->\n\n<!-- SECTION:DESCRIPTION:END -->");
    expect(first).toContain("<!-- AC:BEGIN -->\n- [ ] #1 `npm test`\n<!-- AC:END -->");
    expect(files.get("task-2 - Top - next.md")).toContain("dependencies:\n  - task-1\n");
  });

  it("Claude Code: <n>.json with subject, status, blocks and blockedBy, and .highwatermark", () => {
    const files = claude.render(tasks);
    expect([...files.keys()]).toEqual(["1.json", "2.json", ".highwatermark"]);
    expect(JSON.parse(files.get("1.json")!)).toMatchObject({
      subject: "Base",
      status: "completed",
      blocks: ["2"],
      blockedBy: [],
    });
    expect(JSON.parse(files.get("2.json")!).metadata.nexus).toMatchObject({
      id: "nx-ab12",
      priority: 4,
      status: "rejected",
    });
    expect(files.get(".highwatermark")).toBe("2");
  });
});
