/**
 * WGSL helpers shared by the fast-weight kernels (a snippet, not a kernel):
 * the activations of the slow nets, written with `exp` and one division so
 * their error follows from the WGSL accuracy table alone.
 *
 * - `fw_tanh(z)`: e = exp(−2|z|) ∈ (0, 1]; t = (1 − e)/(1 + e); sign restored.
 *   Absolute error ≤ ε(1 − t²)/(2(1 − ε)) + 7u|t| (+ FTZ slack), with ε the exp
 *   bound at −2|z|: the subtraction is exact for e ≥ ½ (Sterbenz), the sum and
 *   the 2.5-ulp division add ≤ 7u relative. No overflow for any finite z.
 * - `fw_sigmoid(z)`: 1/(1 + exp(−clamp(z, −50, 50))), the original's clipped σ.
 *   Absolute error ≤ ε g(1 − g)/(1 − ε) + 6u·g, ε the exp bound at the clamped z.
 *
 * @module
 */

/** WGSL source of `fw_tanh` and `fw_sigmoid`. */
export const FW_MATH_WGSL = `
fn fw_tanh(z: f32) -> f32 {
  let e = exp(-2.0 * abs(z));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, z < 0.0);
}
fn fw_sigmoid(z: f32) -> f32 {
  return 1.0 / (1.0 + exp(-clamp(z, -50.0, 50.0)));
}
`;
