import { describe, expect, it } from "vitest";
import { badLines, idAt, locate, spliceLines } from "./lines.js";

const line = (id: string, extra = "") => `{"id":"${id}"${extra}}`;
const file = (...ids: string[]) => ids.map((id) => `${line(id)}\n`).join("");
const B = (text: string) => Buffer.from(text);

describe("sorted task lines", () => {
  it("finds lines and insertion points by binary search", () => {
    const text = B(file("nx-b", "nx-d", "nx-f"));
    expect(idAt(text, 0)).toBe("nx-b");
    expect(locate(text, "nx-d")).toMatchObject({ found: true, start: line("nx-b").length + 1 });
    expect(locate(text, "nx-a")).toMatchObject({ found: false, start: 0 });
    expect(locate(text, "nx-z")).toMatchObject({ found: false, start: text.length });
    expect(locate(B(""), "nx-a")).toEqual({ start: 0, end: 0, found: false });
  });

  it("many changes at once (an import) give the same file as one change at a time", () => {
    const ids = Array.from({ length: 100 }, (_, i) => `nx-${(i * 7919).toString(36).padStart(4, "0")}`);
    const text = B(file(...[...ids].sort().filter((_, i) => i % 2)).slice(0, -1));
    const changes = new Map<string, string | null>(
      ids.map((id, i) => [id, i % 5 === 0 ? null : line(id, `,"n":${i}`)]),
    );
    const oneByOne = [...changes].reduce<Buffer>((out, change) => spliceLines(out, new Map([change])), text);
    expect(spliceLines(text, changes).toString()).toBe(oneByOne.toString());
    // A line that is not a task line stays where it is: the one-at-a-time path handles it.
    const odd = B(`${file("nx-b")}\n${file("nx-d")}`);
    expect(spliceLines(odd, changes).toString()).toContain(`${line("nx-b")}\n\n`);
  });

  it("inserts, replaces and removes only the changed lines, keeping the order", () => {
    const text = B(file("nx-b", "nx-d", "nx-f"));
    const changes = new Map<string, string | null>([
      ["nx-a", line("nx-a")],
      ["nx-e", line("nx-e")],
      ["nx-d", line("nx-d", ',"x":1')],
      ["nx-f", null],
      ["nx-z", line("nx-z")],
    ]);
    expect(spliceLines(text, changes).toString()).toBe(
      `${line("nx-a")}\n${line("nx-b")}\n${line("nx-d", ',"x":1')}\n${line("nx-e")}\n${line("nx-z")}\n`,
    );
    expect(spliceLines(B(line("nx-b")), new Map([["nx-c", line("nx-c")]])).toString()).toBe(
      file("nx-b", "nx-c"),
    );
  });

  it("keeps order over many random inserts", () => {
    let text: Buffer = B("");
    const ids = Array.from(
      { length: 300 },
      (_, i) => `nx-${((i * 7919) % 1000).toString(36).padStart(3, "0")}`,
    );
    for (const id of ids) text = spliceLines(text, new Map([[id, line(id)]]));
    const got = text
      .toString()
      .trimEnd()
      .split("\n")
      .map((l) => idAt(B(l), 0));
    expect(got).toEqual([...new Set(ids)].sort());
  });

  it("names the lines that are not task lines", () => {
    expect(badLines(`${line("nx-a")}\n\nnot json\n`)).toEqual([{ line: 3, message: "not a task line" }]);
  });
});
