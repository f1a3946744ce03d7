/**
 * Figures: the curves behind a claim's number (training losses, recall
 * against delay, capacity curves, error against gate), recorded by the claim's
 * test while it runs and drawn by the gate's HTML report
 * (`out/gate/index.html`, data in `out/gate/figures/<id>.json`). Recording is
 * a no-op outside the gate (plain `deno test`), so tests stay side-effect free.
 *
 * @example
 * ```ts
 * import { recordFigure } from "./figures.ts";
 * recordFigure({
 *   id: "demo_loss",
 *   claim: "demo.x.behaviour",
 *   title: "Training loss",
 *   x: { label: "step" },
 *   y: { label: "loss (nats)" },
 *   series: [{ name: "seed 0", points: [[0, 2.1], [1, 1.4], [2, 0.9]] }],
 * });
 * ```
 *
 * @module
 */

/** One axis: its label and scale. */
export interface Axis {
  /** The axis label, with its unit. */
  label: string;
  /** Logarithmic scale (positive values only); linear when absent. */
  log?: boolean;
}

/** A named polyline of (x, y) points. */
export interface Series {
  /** The series' name in the legend. */
  name: string;
  /** Its (x, y) points, finite, in drawing order. */
  points: readonly (readonly [number, number])[];
}

/** A vertical (x) or horizontal (y) reference line with a label, e.g. a bound. */
export interface Mark {
  /** Where a vertical line crosses the x axis. */
  x?: number;
  /** Where a horizontal line crosses the y axis. */
  y?: number;
  /** The line's label, e.g. "bound 0.8". */
  label: string;
}

/** A figure: line chart (or points only) of one or more series. */
export interface Figure {
  /** File-name-safe id: `[a-z0-9_]+`. */
  id: string;
  /** The claim the figure belongs to. */
  claim: string;
  /** The figure's title. */
  title: string;
  /** The horizontal axis. */
  x: Axis;
  /** The vertical axis. */
  y: Axis;
  /** The series drawn, at least one. */
  series: readonly Series[];
  /** Reference lines, e.g. a claim's bound. */
  marks?: readonly Mark[];
  /** Draw markers only, no connecting line (scatter). */
  pointsOnly?: boolean;
}

function resultsDir(): string | null {
  try {
    return Deno.env.get("MEMSPEC_RESULTS_DIR") ?? null;
  } catch {
    return null;
  }
}

/**
 * Checks a figure: id shape, finite points, positive values on log axes.
 *
 * @throws {TypeError} naming the figure and the first bad field.
 */
export function validateFigure(f: Figure): void {
  if (!/^[a-z0-9_]+$/.test(f.id)) {
    throw new TypeError(`Cannot record figure "${f.id}": expected an id of [a-z0-9_]+`);
  }
  if (f.series.length === 0) throw new TypeError(`Cannot record figure ${f.id}: no series`);
  for (const s of f.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        throw new TypeError(
          `Cannot record figure ${f.id}: series "${s.name}" has a non-finite point (${x}, ${y})`,
        );
      }
      if ((f.x.log && x <= 0) || (f.y.log && y <= 0)) {
        throw new TypeError(
          `Cannot record figure ${f.id}: series "${s.name}" has (${x}, ${y}) on a log axis`,
        );
      }
    }
  }
}

/** Records `figure` for the gate's report when the gate runs; validates it always. */
export function recordFigure(figure: Figure): void {
  validateFigure(figure);
  const dir = resultsDir();
  if (dir === null) return;
  Deno.mkdirSync(`${dir}/figures`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/figures/${figure.id}.json`, JSON.stringify(figure));
}
