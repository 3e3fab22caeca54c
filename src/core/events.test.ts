import { describe, expect, it } from "vitest";
import { emit, listen, type NexusEvent, settled } from "./events.js";

describe("events", () => {
  it("hands every event to each listener once, in order, and settles after the slowest", async () => {
    const seen: string[] = [];
    const slow = async (event: NexusEvent) => {
      await new Promise((r) => setTimeout(r, event.name === "domain" ? 20 : 0));
      seen.push(event.name === "domain" ? event.data.subject : "note");
    };
    const stop = listen(slow);
    const again = listen(slow); // already listening: no second delivery
    emit({ name: "domain", data: { type: "task", action: "created", subject: "nx-1" } });
    emit({ name: "note", data: { raw: {} } });
    await settled();
    expect(seen).toEqual(["nx-1", "note"]);
    again();
    stop();
    emit({ name: "note", data: {} });
    await settled();
    expect(seen).toHaveLength(2);
  });

  it("never fails the emitter or later events when a listener throws", async () => {
    const seen: string[] = [];
    const stops = [
      listen(() => {
        throw new Error("broken");
      }),
      listen((e) => void seen.push(e.name)),
    ];
    expect(() => emit({ name: "note", data: {} })).not.toThrow();
    await settled();
    expect(seen).toEqual(["note"]);
    for (const stop of stops) stop();
  });
});
