/**
 * A small SVG line-chart writer for the gate report. No charting library from
 * npm fits here: the well-kept ones (d3, Vega, Chart.js, Observable Plot) need
 * a DOM or a canvas to lay out, and the gate runs in Deno without either. This
 * writer does only what the report needs: linear or log axes with "nice"
 * ticks, polylines with markers, reference lines with labels, and a legend —
 * as plain SVG text, so the report is one self-contained file.
 *
 * @example
 * ```ts
 * import { lineChart } from "./svg.ts";
 * import { ok } from "node:assert/strict";
 * const svg = lineChart({
 *   id: "demo", claim: "demo.x.behaviour", title: "Loss",
 *   x: { label: "step" }, y: { label: "loss" },
 *   series: [{ name: "seed 0", points: [[0, 2], [1, 1], [2, 0.5]] }],
 * });
 * ok(svg.startsWith("<svg") && svg.includes("<path"));
 * ```
 *
 * @module
 */
import type { Axis, Figure } from "../figures.ts";

const W = 560;
const LEGEND_ROW = 14;
const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
];

/** Escapes text for SVG and HTML. */
export function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** About `n` round tick values spanning [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

interface Scale {
  map(v: number): number;
  ticks: number[];
}

function scale(axis: Axis, values: number[], from: number, to: number): Scale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (axis.log) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    const la = a === b ? a - 1 : a;
    const ticks: number[] = [];
    const every = Math.max(1, Math.ceil((b - la) / 6));
    for (let e = la; e <= b; e += every) ticks.push(10 ** e);
    return {
      map: (v) => from + ((Math.log10(v) - la) / (b - la)) * (to - from),
      ticks,
    };
  }
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    (lo -= pad), (hi += pad);
  }
  const pad = (hi - lo) * 0.05;
  const ticks = niceTicks(lo - pad, hi + pad);
  const t0 = Math.min(ticks[0]!, lo);
  const t1 = Math.max(ticks[ticks.length - 1]!, hi);
  return { map: (v) => from + ((v - t0) / (t1 - t0)) * (to - from), ticks };
}

/** The figure as an SVG element (width 560; height 320 plus a row per 3 legend entries past 3). */
export function lineChart(f: Figure): string {
  const rows = Math.max(1, Math.ceil(f.series.length / 3));
  const H = 320 + LEGEND_ROW * (rows - 1);
  const M = { left: 64, right: 16, top: 30, bottom: 56 + LEGEND_ROW * rows };
  const xs = f.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = f.series.flatMap((s) => s.points.map((p) => p[1]));
  for (const m of f.marks ?? []) {
    if (m.x !== undefined) xs.push(m.x);
    if (m.y !== undefined) ys.push(m.y);
  }
  const sx = scale(f.x, xs, M.left, W - M.right);
  const sy = scale(f.y, ys, H - M.bottom, M.top);
  const parts: string[] = [];
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(f.title)}</text>`,
  );
  // Axes and ticks.
  parts.push(
    `<path class="axis" d="M${M.left},${M.top}V${H - M.bottom}H${W - M.right}" ` +
      `stroke="#333" fill="none"/>`,
  );
  for (const t of sx.ticks) {
    const x = sx.map(t);
    if (x < M.left - 0.5 || x > W - M.right + 0.5) continue;
    parts.push(
      `<path class="tick" d="M${x.toFixed(1)},${H - M.bottom}v5" stroke="#333"/>` +
        `<text x="${x.toFixed(1)}" y="${H - M.bottom + 17}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of sy.ticks) {
    const y = sy.map(t);
    if (y < M.top - 0.5 || y > H - M.bottom + 0.5) continue;
    parts.push(
      `<path class="grid" d="M${M.left},${y.toFixed(1)}H${W - M.right}" stroke="#eee"/>` +
        `<text x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle">` +
      `${esc(f.x.label)}${f.x.log ? " (log)" : ""}</text>`,
    `<text transform="translate(16,${(M.top + H - M.bottom) / 2}) rotate(-90)" ` +
      `text-anchor="middle">${esc(f.y.label)}${f.y.log ? " (log)" : ""}</text>`,
  );
  // Reference marks.
  for (const m of f.marks ?? []) {
    if (m.x !== undefined) {
      const x = sx.map(m.x).toFixed(1);
      parts.push(
        `<path class="mark" d="M${x},${M.top}V${
          H - M.bottom
        }" stroke="#888" stroke-dasharray="4 3"/>` +
          `<text x="${x}" y="${M.top - 4}" text-anchor="middle" fill="#555">${esc(m.label)}</text>`,
      );
    }
    if (m.y !== undefined) {
      const y = sy.map(m.y).toFixed(1);
      parts.push(
        `<path class="mark" d="M${M.left},${y}H${
          W - M.right
        }" stroke="#888" stroke-dasharray="4 3"/>` +
          `<text x="${W - M.right - 2}" y="${(Number(y) - 4).toFixed(1)}" text-anchor="end" ` +
          `fill="#555">${esc(m.label)}</text>`,
      );
    }
  }
  // Series and legend.
  f.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = s.points.map(([x, y]) => [sx.map(x), sy.map(y)] as const);
    if (!f.pointsOnly && pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`)
        .join("");
      parts.push(`<path class="series" d="${d}" stroke="${c}" stroke-width="1.6" fill="none"/>`);
    }
    if (f.pointsOnly || pts.length <= 60) {
      const d = pts.map(([x, y]) => `M${(x - 2).toFixed(1)},${y.toFixed(1)}h4`).join("");
      parts.push(
        `<path class="series points" d="${d}" stroke="${c}" stroke-width="4" ` +
          `stroke-linecap="round" fill="none"/>`,
      );
    }
    const lx = M.left + 4 + (i % 3) * 165;
    const ly = H - M.bottom + 52 + Math.floor(i / 3) * LEGEND_ROW;
    parts.push(
      `<path d="M${lx},${ly - 4}h16" stroke="${c}" stroke-width="3"/>` +
        `<text x="${lx + 20}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-figure="${esc(f.id)}" ` +
    `viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" ` +
    `font-size="11">${parts.join("")}</svg>`;
}
