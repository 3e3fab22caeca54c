import type { DomainEvent } from "./store.js";

/** The causes `nexus land` sends a task back for (tasks/model.ts LandCause); anything else is "other". */
const CAUSES = ["conflict", "checks", "unverified", "own-files"] as const;

export interface Landings {
  landed: number;
  sentBack: number;
  /** Most frequent first. */
  sentBackByCause: { cause: string; count: number }[];
  perDay: { day: string; landed: number; sentBack: number }[];
}

/** The cause a send-back recorded in its raw data (an enum: no note, no file name is ever stored). */
function causeOf(event: DomainEvent): string {
  try {
    const cause = (JSON.parse(event.raw_data ?? "{}") as { cause?: unknown }).cause;
    return (CAUSES as readonly unknown[]).includes(cause) ? (cause as string) : "other";
  } catch {
    return "other";
  }
}

/** `nexus land` in figures: tasks landed and sent back, per day, and why they went back. */
export function landingFigures(domain: DomainEvent[]): Landings {
  const days = new Map<string, { landed: number; sentBack: number }>();
  const causes = new Map<string, number>();
  let landed = 0;
  let sentBack = 0;
  for (const e of domain) {
    if (e.type !== "task" || (e.action !== "landed" && e.action !== "sent_back")) continue;
    const day = days.get(e.ts.slice(0, 10)) ?? { landed: 0, sentBack: 0 };
    if (e.action === "landed") {
      landed++;
      day.landed++;
    } else {
      sentBack++;
      day.sentBack++;
      const cause = causeOf(e);
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    }
    days.set(e.ts.slice(0, 10), day);
  }
  return {
    landed,
    sentBack,
    sentBackByCause: [...causes]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([cause, count]) => ({ cause, count })),
    perDay: [...days].sort((a, b) => a[0].localeCompare(b[0])).map(([day, v]) => ({ day, ...v })),
  };
}
