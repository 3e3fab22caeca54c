import { describe, expect, it } from "vitest";
import { isolatedHome } from "../../test/helpers/fs.js";
import { windowOf } from "../telemetry/report.js";
import { eventsSince, openTelemetry } from "../telemetry/store.js";
import { speedFigures, speedFiguresOf, successMetrics } from "./metrics.js";

const COMMANDS = [
  "workspace use",
  "workspace path",
  "workspace shell",
  "task list",
  "workspace create",
  "stats",
];

describe("the speed metrics counted in SQLite equal the JS computation (issue 23)", () => {
  it("same figures and metrics over varied events, and over none", async () => {
    isolatedHome();
    const db = await openTelemetry();
    const now = new Date("2026-12-01T12:00:00.000Z");
    const { since } = windowOf(30, now);
    expect(speedFiguresOf(db, windowOf(1, now).since)).toEqual(speedFigures([]));
    const insert = db.prepare(
      `INSERT INTO events (timestamp, session_id, command, duration_ms, success, exit_code, outcome, nexus_version)
       VALUES (?, 's', ?, ?, 1, 0, 'ok', '0.1.0')`,
    );
    for (let i = 0; i < 500; i++) {
      const ts = new Date(now.getTime() - (40 - (i * 40) / 500) * 86_400_000).toISOString();
      const duration = i % 13 === 0 ? 5000 + ((i * 37) % 9000) : (i * 53) % 4000;
      insert.run(ts, COMMANDS[(i * 7) % COMMANDS.length], duration);
    }
    const figures = speedFiguresOf(db, since);
    expect(figures).toEqual(speedFigures(eventsSince(db, since)));
    expect(figures.over5s.length).toBeGreaterThan(1);
    expect(figures.switches).toBeGreaterThan(0);
    expect(successMetrics(figures, [1000])).toEqual(successMetrics(eventsSince(db, since), [1000]));
    db.close();
  });
});
