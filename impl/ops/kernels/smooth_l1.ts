/**
 * Smooth L1 loss, elementwise (PyTorch `smooth_l1_loss`): with d = x − t,
 * l = 0.5·d·d/β where |d| < β, else |d| − 0.5·β (β = 0: |d|, PyTorch's
 * `l1_loss`). Evaluated in PyTorch's order: (0.5·d)·d then / β.
 *
 * - {@link SMOOTH_L1}: uniforms {n, beta}; bindings `xs` (x), `ts` (t), `out`
 *   (l, elementwise; the reductions sum it after).
 * - {@link SMOOTH_L1_BACKWARD}: gx = g'·s, gt = −gx with s = d/β where
 *   |d| < β, else sign(d) (0 at d = 0), and g' = g[i] (`reduced` false) or
 *   g[0]·scale (`reduced`: scale 1 for sum, f32(1/n) for mean). Uniforms
 *   {n, beta, scale}; bindings `xs`, `ts`, `gs`, `gx`, `gt`.
 *
 * Grid: ceil(n / 64) workgroups, tiled. Accuracy (T1/T2): one rounding per
 * + − ×, WGSL's 2.5 ulp division; 0.5·d and 0.5·β are exact (powers of two)
 * unless subnormal. The branch is taken on the computed d, which may sit on
 * the other side of β from the exact d by one rounding of x − t; both
 * branches agree at |d| = β in value and slope, so that costs at most
 * (|d̂ − d|)²/(2β) in the loss and |d̂ − d|/β in the slope (the bound rule of
 * spec/ops/selection_specs.ts adds both).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup. */
export const SMOOTH_L1_WORKGROUP = 64;
const WG = SMOOTH_L1_WORKGROUP;

/** Elementwise smooth L1 of x − t. */
export const SMOOTH_L1: Program = defineProgram({
  name: "smooth_l1",
  workgroupSize: WG,
  uniforms: { n: "u32", beta: "f32" },
  bindings: { xs: { access: "read" }, ts: { access: "read" }, out: { access: "read_write" } },
  main: () =>
    `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  let d = xs[i] - ts[i];
  let a = abs(d);
  // A branch, not select(): with beta = 0 the quadratic's division must not run.
  if (a < p.beta) { out[i] = 0.5 * d * d / p.beta; } else { out[i] = a - 0.5 * p.beta; }`,
});

/** Compile-time sizes of the backward: whether the loss was reduced to a scalar. */
export interface SmoothL1BackwardSizes extends Record<string, boolean> {
  /**
   * True when the loss was summed or averaged to a scalar: every element then takes
   * g[0]·scale; false for the elementwise loss, where element i takes g[i].
   */
  reduced: boolean;
}

/** Gradients of the smooth L1 loss in x and t. */
export const SMOOTH_L1_BACKWARD: Program<SmoothL1BackwardSizes> = defineProgram<
  SmoothL1BackwardSizes
>({
  name: "smooth_l1_backward",
  workgroupSize: WG,
  uniforms: { n: "u32", beta: "f32", scale: "f32" },
  bindings: {
    xs: { access: "read" },
    ts: { access: "read" },
    gs: { access: "read" },
    gx: { access: "read_write" },
    gt: { access: "read_write" },
  },
  main: (s) =>
    `let i = wg * ${WG}u + lid;
  if (i >= p.n) { return; }
  let d = xs[i] - ts[i];
  var slope: f32;
  if (abs(d) < p.beta) {
    slope = d / p.beta;
  } else {
    // Two selects rather than sign(d): WGSL leaves sign(NaN) unspecified.
    slope = select(0.0, 1.0, d > 0.0) - select(0.0, 1.0, d < 0.0);
  }
  let g = ${s.reduced ? "gs[0] * p.scale" : "gs[i]"};
  let v = g * slope;
  gx[i] = v;
  gt[i] = -v;`,
});
