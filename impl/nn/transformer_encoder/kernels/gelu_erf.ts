/**
 * Exact (erf) GELU, PyTorch's default `F.gelu(x)` (approximate="none"):
 * gelu(x) = x·Φ(x) = ½·x·erfc(−x/√2), Hendrycks & Gimpel, "Gaussian Error
 * Linear Units (GELUs)" (2016). WGSL has no erf, so erfc comes from the
 * Chebyshev-fitted formula of Numerical Recipes in C (2nd ed., §6.2, `erfcc`):
 * for z ≥ 0, erfc(z) ≈ t·exp(−z² − 1.26551223 + t·(1.00002368 + …)),
 * t = 1/(1 + z/2), with fractional error below 1.2·10⁻⁷ everywhere; for the
 * negative side erfc(−z) = 2 − erfc(z). (impl/ops/unary.ts `gelu` is the tanh
 * approximation, torch's approximate="tanh": it differs from this by up to
 * about 5·10⁻⁴ near |x| ≈ 2.)
 *
 * - {@link GELU_ERF}: elementwise, uniform {n}; bindings `xs`, `ys`:
 *   z = min(|x|·(1/√2), 10), c = erfcc(z), P = x < 0 ? c : 2 − c (= 2Φ(x)),
 *   y = (½·x)·P. The clamp at z = 10 (erfc(10) ≈ 2·10⁻⁴⁵, below the
 *   smallest normal f32) keeps z² finite.
 * - {@link GELU_ERF_BACKWARD}: bindings `xs`, `gs`, `gx`: with xc = clamp(x, −20, 20),
 *   gx = g·(½·P + (xc·(1/√(2π)))·exp(−½·xc·xc)), the derivative Φ(x) + x·φ(x).
 *
 * Grid: ceil(n / 64) workgroups, tiled. Accuracy: the fit's 1.2·10⁻⁷ relative
 * error plus the f32 evaluation, replayed operation by operation in
 * spec/nn/transformer_encoder/_bounds.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Invocations per workgroup. */
export const GELU_ERF_WORKGROUP = 64;

/** The fit's coefficients, highest power last (Numerical Recipes `erfcc`). */
export const ERFCC_COEFFICIENTS = [
  -1.26551223,
  1.00002368,
  0.37409196,
  0.09678418,
  -0.18628806,
  0.27886807,
  -1.13520398,
  1.48851587,
  -0.82215223,
  0.17087277,
] as const;

/** The WGSL literal of a coefficient (a decimal the compiler rounds). */
function lit(c: number): string {
  const s = String(c);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** Horner form of the fit's polynomial in t, innermost first. */
function horner(): string {
  const cs = ERFCC_COEFFICIENTS;
  let expr = lit(cs[cs.length - 1]!);
  for (let k = cs.length - 2; k >= 0; k--) expr = `(${lit(cs[k]!)} + t * ${expr})`;
  return expr;
}

const HELPERS = `
// 2Φ(x) = erfc(−x/√2), from the Numerical Recipes erfc fit.
fn two_phi(x: f32) -> f32 {
  let z = min(abs(x) * 0.7071067811865476, 10.0);
  let t = 1.0 / (1.0 + 0.5 * z);
  let c = t * exp((-(z * z)) + ${horner()});
  return select(2.0 - c, c, x < 0.0);
}`;

/** Forward: y = ½·x·2Φ(x). */
export const GELU_ERF: Program = defineProgram({
  name: "gelu_erf",
  workgroupSize: GELU_ERF_WORKGROUP,
  uniforms: { n: "u32" },
  bindings: { xs: { access: "read" }, ys: { access: "read_write" } },
  helpers: () => HELPERS,
  main: () =>
    `let i = wg * ${GELU_ERF_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let x = xs[i];
  ys[i] = (0.5 * x) * two_phi(x);`,
});

/** Backward: gx = g·(Φ(x) + x·φ(x)). */
export const GELU_ERF_BACKWARD: Program = defineProgram({
  name: "gelu_erf_backward",
  workgroupSize: GELU_ERF_WORKGROUP,
  uniforms: { n: "u32" },
  bindings: { xs: { access: "read" }, gs: { access: "read" }, gx: { access: "read_write" } },
  helpers: () => HELPERS,
  main: () =>
    `let i = wg * ${GELU_ERF_WORKGROUP}u + lid;
  if (i >= p.n) { return; }
  let x = xs[i];
  let xc = clamp(x, -20.0, 20.0);
  let dens = (xc * 0.3989422804014327) * exp((-0.5 * xc) * xc);
  gx[i] = gs[i] * ((0.5 * two_phi(x)) + dens);`,
});
