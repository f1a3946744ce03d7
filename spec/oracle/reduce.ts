/**
 * f64 oracle of the axis reductions sum, mean and max: forward and analytic
 * backward. Attributes: `axis` (absent: every element, output shape []),
 * `keepDims` (0/1). max's gradient goes to the first maximal element along
 * the axis (the lowest index), as `torch.max(x, dim)` reports it.
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { type NDArray, sizeOf } from "./ndarray.ts";

/** A reduction's view of a shape: [outer, n, inner] around the reduced axis, and the output shape. */
export interface AxisView {
  outer: number;
  n: number;
  inner: number;
  outShape: number[];
}

/** Splits `shape` around `attrs.axis` (all elements when absent); honours `attrs.keepDims`. */
export function axisView(shape: readonly number[], attrs: OpAttrs): AxisView {
  const keep = attrs.keepDims === 1;
  if (attrs.axis === undefined) {
    return { outer: 1, n: sizeOf(shape), inner: 1, outShape: keep ? shape.map(() => 1) : [] };
  }
  const raw = attrs.axis as number;
  const a = raw < 0 ? raw + shape.length : raw;
  if (!(a >= 0 && a < shape.length)) throw new RangeError(`axis ${raw} out of range`);
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < a; d++) outer *= shape[d]!;
  for (let d = a + 1; d < shape.length; d++) inner *= shape[d]!;
  const outShape = keep ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
  return { outer, n: shape[a]!, inner, outShape };
}

/**
 * Calls `f(row, start)` for each row (o, i) = o·inner + i, whose element j
 * sits at flat index `start + j·inner`.
 */
export function forEachRow(v: AxisView, f: (row: number, start: number) => void): void {
  for (let o = 0; o < v.outer; o++) {
    for (let i = 0; i < v.inner; i++) f(o * v.inner + i, o * v.n * v.inner + i);
  }
}

function sumLike(mean: boolean): OracleOp {
  return {
    forward: ([x], attrs) => {
      const v = axisView(x!.shape, attrs);
      const out = new Float64Array(v.outer * v.inner);
      forEachRow(v, (r, start) => {
        let s = 0;
        for (let j = 0; j < v.n; j++) s += x!.data[start + j * v.inner]!;
        out[r] = mean ? s / v.n : s;
      });
      return { shape: v.outShape, data: out };
    },
    backward: ([x], attrs, g) => {
      const v = axisView(x!.shape, attrs);
      const gx = new Float64Array(x!.data.length);
      forEachRow(v, (r, start) => {
        const gr = mean ? g.data[r]! / v.n : g.data[r]!;
        for (let j = 0; j < v.n; j++) gx[start + j * v.inner] = gr;
      });
      return [{ shape: [...x!.shape], data: gx }];
    },
  };
}

/** Flat index of the first maximum of the row starting at `start` (elements `inner` apart). */
function firstArgmax(x: NDArray, v: AxisView, start: number): number {
  let best = start;
  for (let j = 1; j < v.n; j++) {
    const k = start + j * v.inner;
    if (x.data[k]! > x.data[best]!) best = k;
  }
  return best;
}

/** Oracles of sum, mean, max. */
export const REDUCE_ORACLES: Record<"sum" | "mean" | "max", OracleOp> = {
  sum: sumLike(false),
  mean: sumLike(true),
  max: {
    forward: ([x], attrs) => {
      const v = axisView(x!.shape, attrs);
      const out = new Float64Array(v.outer * v.inner);
      forEachRow(v, (r, start) => (out[r] = x!.data[firstArgmax(x!, v, start)]!));
      return { shape: v.outShape, data: out };
    },
    backward: ([x], attrs, g) => {
      const v = axisView(x!.shape, attrs);
      const gx = new Float64Array(x!.data.length);
      forEachRow(v, (r, start) => (gx[firstArgmax(x!, v, start)] = g.data[r]!));
      return [{ shape: [...x!.shape], data: gx }];
    },
  },
};
