// The chaos run as a picture: throughput and latency over time, fault windows shaded, and which node was
// the writable primary at each moment. Pure: a timeline in, SVG text out, so it is tested without a run.

/** One finished client operation, times in ms since the run started. */
export interface TimelineOp {
  at: number;
  latencyMs: number;
  outcome: 'ok' | 'fail' | 'info';
}

/** A nemesis window (start and end in ms since the run started). */
export interface TimelineFault {
  kind: string;
  start: number;
  end: number;
}

/** A stretch during which `node` was probed writable. */
export interface TimelineWritable {
  node: string;
  start: number;
  end: number;
}

/** Everything the picture shows. */
export interface Timeline {
  title: string;
  durationMs: number;
  nodes: string[];
  ops: TimelineOp[];
  faults: TimelineFault[];
  writable: TimelineWritable[];
}

const WIDTH = 1200;
const LEFT = 90;
const RIGHT = 20;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PANEL_H = 140;
const LANE_H = 22;
const GAP = 34;
const NODE_COLOURS = ['#2b7bb9', '#d9822b', '#3a9a4a', '#9b59b6', '#c0392b'];
const FAULT_PALETTE = ['#f4cccc', '#fde9c9', '#d9ead3', '#d0e0f5', '#e6d5f0', '#f9d9e8', '#e0e0e0'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Each kind of fault keeps one colour within a picture, in order of first appearance. */
function faultColour(t: Timeline, kind: string): string {
  const kinds = [...new Set(t.faults.map((f) => f.kind))];
  return FAULT_PALETTE[Math.max(0, kinds.indexOf(kind)) % FAULT_PALETTE.length]!;
}

/** Buckets of one second (or longer for long runs, so a picture keeps about 300 of them). */
export function bucketMs(durationMs: number): number {
  return Math.max(1000, Math.ceil(durationMs / 300 / 1000) * 1000);
}

interface Bucket {
  ok: number;
  failed: number;
  p50: number;
  p99: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Per bucket: acknowledged and failed/unknown operations per second, and latency p50/p99 of the acknowledged. */
export function buckets(t: Timeline): Bucket[] {
  const size = bucketMs(t.durationMs);
  const n = Math.max(1, Math.ceil(t.durationMs / size));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const failed = new Array<number>(n).fill(0);
  for (const op of t.ops) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(op.at / size)));
    if (op.outcome === 'ok') lat[i]!.push(op.latencyMs);
    else failed[i]! += 1;
  }
  return lat.map((l, i) => {
    l.sort((a, b) => a - b);
    const perS = 1000 / size;
    return { ok: l.length * perS, failed: failed[i]! * perS, p50: quantile(l, 0.5), p99: quantile(l, 0.99) };
  });
}

function x(ms: number, durationMs: number): number {
  return LEFT + (Math.max(0, Math.min(ms, durationMs)) / Math.max(1, durationMs)) * PLOT_W;
}

function polyline(values: number[], max: number, top: number, colour: string, durationMs: number): string {
  const size = bucketMs(durationMs);
  const pts = values.map((v, i) => {
    const px = x((i + 0.5) * size, durationMs);
    const py = top + PANEL_H - (max > 0 ? (v / max) * PANEL_H : 0);
    return `${px.toFixed(1)},${py.toFixed(1)}`;
  });
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function panel(label: string, unit: string, max: number, top: number): string {
  return [
    `<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
    `<text x="${LEFT - 8}" y="${top + 12}" text-anchor="end" font-size="11">${max}${unit}</text>`,
    `<text x="${LEFT - 8}" y="${top + PANEL_H}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${LEFT - 8}" y="${top + PANEL_H / 2}" text-anchor="end" font-size="12" font-weight="bold">${esc(label)}</text>`,
  ].join('\n');
}

function timeAxis(top: number, durationMs: number): string {
  const stepS = niceMax(durationMs / 1000 / 10);
  const out: string[] = [];
  for (let s = 0; s * 1000 <= durationMs; s += stepS) {
    const px = x(s * 1000, durationMs).toFixed(1);
    out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${top + 4}" stroke="#666"/>`);
    out.push(`<text x="${px}" y="${top + 16}" text-anchor="middle" font-size="11">${s}s</text>`);
  }
  return out.join('\n');
}

function faultShading(t: Timeline, top: number, height: number): string {
  return t.faults
    .map((f) => {
      const x0 = x(f.start, t.durationMs);
      const w = Math.max(1.5, x(f.end, t.durationMs) - x0);
      return (
        `<rect x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${height}" fill="${faultColour(t, f.kind)}" opacity="0.8">` +
        `<title>${esc(f.kind)} ${f.start}-${f.end} ms</title></rect>\n` +
        `<text x="${x0.toFixed(1)}" y="${top - 3}" font-size="9" fill="#555">${esc(f.kind)}</text>`
      );
    })
    .join('\n');
}

function writableLanes(t: Timeline, top: number): string {
  const out: string[] = [];
  t.nodes.forEach((node, i) => {
    const y = top + i * LANE_H;
    out.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" font-size="11">${esc(node)}</text>`);
    out.push(`<rect x="${LEFT}" y="${y + 3}" width="${PLOT_W}" height="${LANE_H - 6}" fill="#f3f3f3"/>`);
    for (const w of t.writable.filter((v) => v.node === node)) {
      const x0 = x(w.start, t.durationMs);
      const width = Math.max(1, x(w.end, t.durationMs) - x0);
      const colour = NODE_COLOURS[i % NODE_COLOURS.length]!;
      out.push(
        `<rect class="writable" x="${x0.toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${LANE_H - 6}" fill="${colour}">` +
          `<title>${esc(node)} writable ${w.start}-${w.end} ms</title></rect>`,
      );
    }
  });
  return out.join('\n');
}

/** The SVG picture of a run. */
export function renderTimeline(t: Timeline): string {
  const b = buckets(t);
  const tpMax = niceMax(Math.max(...b.map((v) => v.ok + v.failed)));
  const latMax = niceMax(Math.max(...b.map((v) => v.p99)));
  const top1 = 40;
  const top2 = top1 + PANEL_H + GAP;
  const top3 = top2 + PANEL_H + GAP;
  const lanesH = t.nodes.length * LANE_H;
  const axisTop = top3 + lanesH + 4;
  const height = axisTop + 50;
  const legend =
    `<text x="${LEFT}" y="${height - 10}" font-size="11">` +
    `<tspan fill="#2b7bb9">— acknowledged ops/s</tspan>  <tspan fill="#c0392b">— failed or unknown ops/s</tspan>  ` +
    `<tspan fill="#333">— latency p50</tspan>  <tspan fill="#d9822b">— latency p99</tspan>  shaded: fault windows; lanes: writable primary</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${esc(t.title)}</text>`,
    faultShading(t, top1, top3 + lanesH - top1),
    panel('ops/s', '', tpMax, top1),
    polyline(
      b.map((v) => v.ok),
      tpMax,
      top1,
      '#2b7bb9',
      t.durationMs,
    ),
    polyline(
      b.map((v) => v.failed),
      tpMax,
      top1,
      '#c0392b',
      t.durationMs,
    ),
    panel('latency', ' ms', latMax, top2),
    polyline(
      b.map((v) => v.p50),
      latMax,
      top2,
      '#333',
      t.durationMs,
    ),
    polyline(
      b.map((v) => v.p99),
      latMax,
      top2,
      '#d9822b',
      t.durationMs,
    ),
    writableLanes(t, top3),
    timeAxis(axisTop, t.durationMs),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
