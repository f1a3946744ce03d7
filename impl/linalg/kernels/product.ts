/**
 * The dense f32 products of impl/linalg's GPU solvers (Gram matrices, A·V, A·Q
 * of the subspace iteration): out (M × N) = op(X)·Y with op(X) = X (M × K) or
 * Xᵀ (X stored K × M), Y stored K × N, all row-major.
 *
 * Program {@link LINALG_PRODUCT}: uniforms {rows (M), cols (N), trans (0 or 1)};
 * compile-time size `k` (K, the summed length, so the loop count is known);
 * bindings `x`, `y` (read), `out` (write). One invocation per output element
 * sums its K products in order of the index with `fma`. Grid: ⌈M·N / 64⌉,
 * tiled. Accuracy: class T3, a dot product of length K,
 * |err| ≤ γ_K·(|op(X)|·|Y|)_ij (Higham, Accuracy and Stability, §3.1).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup. */
export const PRODUCT_WORKGROUP = 64;

/** Sizes of {@link LINALG_PRODUCT}: the summed length. */
export interface ProductSizes extends Record<string, number> {
  /** K, the length of each dot product (compile-time: the loop count must be known). */
  k: number;
}

/** out = op(X)·Y, one invocation per output element. */
export const LINALG_PRODUCT: Program<ProductSizes> = defineProgram<ProductSizes>({
  name: "linalg_product",
  workgroupSize: PRODUCT_WORKGROUP,
  uniforms: { rows: "u32", cols: "u32", trans: "u32" },
  bindings: { x: { access: "read" }, y: { access: "read" }, out: { access: "read_write" } },
  main: (s) => `
  let e = wg * ${PRODUCT_WORKGROUP}u + lid;
  if (e >= p.rows * p.cols) { return; }
  let i = e / p.cols;
  let j = e % p.cols;
  var acc = 0.0;
  if (p.trans == 1u) {
    for (var r = 0u; r < ${s.k}u; r++) { acc = fma(x[r * p.rows + i], y[r * p.cols + j], acc); }
  } else {
    for (var r = 0u; r < ${s.k}u; r++) { acc = fma(x[i * ${s.k}u + r], y[r * p.cols + j], acc); }
  }
  out[e] = acc;`,
  // Both branches hold a loop; the untaken one still costs its exit check.
  loopIterations: (s) => s.k + 2,
});
