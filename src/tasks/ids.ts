import { randomBytes } from "node:crypto";

/** Random base36 ids, lengthened as the project grows so a collision stays unlikely; checked anyway. */
export function newTaskId(existing: (id: string) => boolean, count: number): string {
  let length = Math.max(4, Math.ceil(Math.log(Math.max(count, 1) * 1000) / Math.log(36)));
  for (let attempt = 0; ; attempt++) {
    const id = `nx-${randomBase36(length)}`;
    if (!existing(id)) return id;
    if (attempt % 5 === 4) length++;
  }
}

export function newEventId(): string {
  return randomBase36(10);
}

function randomBase36(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += (byte % 36).toString(36);
  return out;
}
