/**
 * f64 oracle of softmax, log-softmax (attribute `axis`, default −1) and mean
 * cross-entropy over logits [N, C] with integer class targets [N]. Forward and
 * analytic backward; all three subtract the row maximum before exponentiating.
 *
 * - softmax: y = e / Σe with e = exp(x − max x); ∂/∂x: y ⊙ (g − Σ g·y).
 * - log-softmax: y = x − max x − log Σe; ∂/∂x: g − softmax(x)·Σ g.
 * - cross-entropy: L = (1/N) Σᵢ (log Σ exp(xᵢ) − xᵢ,ₜᵢ); ∂L/∂xᵢ = (p_i − onehot(tᵢ))/N.
 *   A target outside [0, C) makes the loss NaN, and its row's gradient NaN.
 *
 * @module
 */
import type { OpAttrs, OracleOp } from "../_harness/op_spec.ts";
import { axisView, forEachRow } from "./reduce.ts";
import type { NDArray } from "./ndarray.ts";

function rowAxis(attrs: OpAttrs): OpAttrs {
  return { axis: (attrs.axis as number | undefined) ?? -1, keepDims: 1 };
}

/** Row max and Σ exp(x − max) of the n elements x[start + j·stride]. */
function rowStats(x: NDArray, n: number, start: number, stride: number): { m: number; s: number } {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, x.data[start + j * stride]!);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x.data[start + j * stride]! - m);
  return { m, s };
}

function softmaxLike(log: boolean): OracleOp {
  return {
    forward: ([x], attrs) => {
      const v = axisView(x!.shape, rowAxis(attrs));
      const y = new Float64Array(x!.data.length);
      forEachRow(v, (_r, start) => {
        const { m, s } = rowStats(x!, v.n, start, v.inner);
        const ls = Math.log(s);
        for (let j = 0; j < v.n; j++) {
          const k = start + j * v.inner;
          const d = x!.data[k]! - m;
          y[k] = log ? d - ls : Math.exp(d) / s;
        }
      });
      return { shape: [...x!.shape], data: y };
    },
    backward: ([x], attrs, g) => {
      const v = axisView(x!.shape, rowAxis(attrs));
      const gx = new Float64Array(x!.data.length);
      forEachRow(v, (_r, start) => {
        const { m, s } = rowStats(x!, v.n, start, v.inner);
        const p = (k: number) => Math.exp(x!.data[k]! - m) / s;
        let c = 0;
        for (let j = 0; j < v.n; j++) {
          const k = start + j * v.inner;
          c += log ? g.data[k]! : g.data[k]! * p(k);
        }
        for (let j = 0; j < v.n; j++) {
          const k = start + j * v.inner;
          gx[k] = log ? g.data[k]! - p(k) * c : p(k) * (g.data[k]! - c);
        }
      });
      return [{ shape: [...x!.shape], data: gx }];
    },
  };
}

function validTarget(t: number, classes: number): boolean {
  return Number.isInteger(t) && t >= 0 && t < classes;
}

/** Oracles of softmax, log_softmax, cross_entropy. */
export const SOFTMAX_ORACLES: Record<"softmax" | "log_softmax" | "cross_entropy", OracleOp> = {
  softmax: softmaxLike(false),
  log_softmax: softmaxLike(true),
  cross_entropy: {
    forward: ([x, t]) => {
      const [rows, classes] = x!.shape as [number, number];
      let total = 0;
      for (let i = 0; i < rows; i++) {
        const ti = t!.data[i]!;
        if (!validTarget(ti, classes)) return { shape: [], data: Float64Array.of(NaN) };
        const { m, s } = rowStats(x!, classes, i * classes, 1);
        total += Math.log(s) - (x!.data[i * classes + ti]! - m);
      }
      return { shape: [], data: Float64Array.of(total / rows) };
    },
    backward: ([x, t], _attrs, g) => {
      const [rows, classes] = x!.shape as [number, number];
      const w = g.data[0]! / rows;
      const gx = new Float64Array(x!.data.length);
      for (let i = 0; i < rows; i++) {
        const ti = t!.data[i]!;
        const start = i * classes;
        if (!validTarget(ti, classes)) {
          gx.fill(NaN, start, start + classes);
          continue;
        }
        const { m, s } = rowStats(x!, classes, start, 1);
        for (let j = 0; j < classes; j++) {
          gx[start + j] = w * (Math.exp(x!.data[start + j]! - m) / s - (j === ti ? 1 : 0));
        }
      }
      return [{ shape: [...x!.shape], data: gx }, null];
    },
  },
};
