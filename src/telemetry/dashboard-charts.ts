/** Inline SVG charts for the HTML dashboard: no script, no network request. */

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Markdown code spans (`like this`) as <code>, everything else escaped. */
export const inlineMarkdown = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, "<code>$1</code>");

export interface Bar {
  label: string;
  value: number;
  /** What the value label reads ("45%"); the value by default. */
  text?: string;
}

const WIDTH = 560;
const LABEL_COLUMN = 190;
/** Room right of the longest bar for its value label: never clipped at the panel's edge. */
const VALUE_ROOM = 70;

export function barChart(title: string, items: Bar[], color: string): string {
  const barHeight = 22;
  const max = Math.max(1, ...items.map((i) => i.value));
  const room = WIDTH - LABEL_COLUMN - VALUE_ROOM;
  const bars = items
    .map((item, i) => {
      const w = Math.max(2, Math.round((item.value / max) * room));
      const y = 30 + i * (barHeight + 8);
      const label = item.label.length > 28 ? `${item.label.slice(0, 27)}…` : item.label;
      return `<text x="0" y="${y + 16}" class="label">${escapeHtml(label)}</text><rect class="bar" x="${LABEL_COLUMN}" y="${y}" width="${w}" height="${barHeight}" fill="${color}"/><text x="${LABEL_COLUMN + w + 6}" y="${y + 16}" class="value">${escapeHtml(item.text ?? String(item.value))}</text>`;
    })
    .join("");
  const height = 40 + Math.max(1, items.length) * (barHeight + 8);
  return figure(title, WIDTH, height, bars || '<text x="0" y="40" class="label">no data yet</text>');
}

function figure(title: string, width: number, height: number, content: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${content}</svg></figure>`;
}

export interface Series {
  name: string;
  color: string;
  /** One value per day; undefined where the day has none. */
  values: (number | undefined)[];
  dashed?: boolean;
}

const ms = (v: number) =>
  v >= 10_000
    ? `${(v / 1000).toFixed(0)} s`
    : v >= 1000
      ? `${(v / 1000).toFixed(1)} s`
      : `${Math.round(v)} ms`;

/** Values per day as lines with dots, a y axis from 0 to the maximum, and the first and last day. */
export function lineChart(
  title: string,
  days: string[],
  series: Series[],
  unit: "ms" | "count" = "ms",
): string {
  const [left, top, right, bottom] = [70, 24, 20, 36];
  const height = 220;
  const plotW = WIDTH - left - right;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const x = (i: number) => left + (days.length <= 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const fmt = (v: number) => (unit === "ms" ? ms(v) : String(Math.round(v)));
  const axes = `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#d1d5db"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#d1d5db"/><text x="${left - 6}" y="${top + 4}" class="value" text-anchor="end">${fmt(max)}</text><text x="${left - 6}" y="${top + plotH}" class="value" text-anchor="end">0</text><text x="${left}" y="${height - 14}" class="value">${escapeHtml(days[0] ?? "")}</text><text x="${left + plotW}" y="${height - 14}" class="value" text-anchor="end">${escapeHtml(days[days.length - 1] ?? "")}</text>`;
  const lines = series
    .map((s, si) => {
      const points = s.values.flatMap((v, i) =>
        v === undefined ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`],
      );
      const dots = points
        .map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${s.color}"/>`)
        .join("");
      const legend = `<rect x="${left + 8 + si * 130}" y="4" width="12" height="4" fill="${s.color}"/><text x="${left + 24 + si * 130}" y="10" class="value">${escapeHtml(s.name)}</text>`;
      return `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""} points="${points.join(" ")}"/>${dots}${legend}`;
    })
    .join("");
  const content = days.length ? axes + lines : '<text x="0" y="40" class="label">no data yet</text>';
  return figure(title, WIDTH, height, content);
}
