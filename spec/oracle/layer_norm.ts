/**
 * f64 oracle of layer normalisation over the last axis (PyTorch
 * `F.layer_norm(x, [D], gamma, beta, eps)`): biased variance, eps inside the
 * square root. Inputs x [..., D], gamma [D], beta [D]; attribute `eps`.
 *
 * Forward: μ = mean x, σ² = mean (x − μ)², r = 1/√(σ² + ε), x̂ = (x − μ)·r,
 * y = x̂·γ + β. Backward with h = g·γ (per row):
 * ∂x = r·(h − mean h − x̂·mean(h·x̂)), ∂γ = Σ_rows g·x̂, ∂β = Σ_rows g.
 *
 * @module
 */
import type { OracleOp } from "../_harness/op_spec.ts";
import type { NDArray } from "./ndarray.ts";

/** μ and r = 1/√(σ² + ε) of row `row` of a [rows, d] view. */
function rowMoments(x: NDArray, d: number, row: number, eps: number): { mu: number; r: number } {
  let s = 0;
  for (let j = 0; j < d; j++) s += x.data[row * d + j]!;
  const mu = s / d;
  let v = 0;
  for (let j = 0; j < d; j++) v += (x.data[row * d + j]! - mu) ** 2;
  return { mu, r: 1 / Math.sqrt(v / d + eps) };
}

/** Oracle of layer_norm. */
export const LAYER_NORM_ORACLE: OracleOp = {
  forward: ([x, gamma, beta], attrs) => {
    const d = x!.shape[x!.shape.length - 1]!;
    const rows = x!.data.length / d;
    const eps = attrs.eps as number;
    const y = new Float64Array(x!.data.length);
    for (let row = 0; row < rows; row++) {
      const { mu, r } = rowMoments(x!, d, row, eps);
      for (let j = 0; j < d; j++) {
        const k = row * d + j;
        y[k] = (x!.data[k]! - mu) * r * gamma!.data[j]! + beta!.data[j]!;
      }
    }
    return { shape: [...x!.shape], data: y };
  },
  backward: ([x, gamma], attrs, g) => {
    const d = x!.shape[x!.shape.length - 1]!;
    const rows = x!.data.length / d;
    const eps = attrs.eps as number;
    const gx = new Float64Array(x!.data.length);
    const gg = new Float64Array(d);
    const gb = new Float64Array(d);
    for (let row = 0; row < rows; row++) {
      const { mu, r } = rowMoments(x!, d, row, eps);
      const xh = (j: number) => (x!.data[row * d + j]! - mu) * r;
      let meanH = 0;
      let meanHX = 0;
      for (let j = 0; j < d; j++) {
        const h = g.data[row * d + j]! * gamma!.data[j]!;
        meanH += h / d;
        meanHX += (h * xh(j)) / d;
      }
      for (let j = 0; j < d; j++) {
        const k = row * d + j;
        const h = g.data[k]! * gamma!.data[j]!;
        gx[k] = r * (h - meanH - xh(j) * meanHX);
        gg[j] = gg[j]! + g.data[k]! * xh(j);
        gb[j] = gb[j]! + g.data[k]!;
      }
    }
    return [
      { shape: [...x!.shape], data: gx },
      { shape: [d], data: gg },
      { shape: [d], data: gb },
    ];
  },
};
