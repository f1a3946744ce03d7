/**
 * WGSL pieces shared by the linear-recurrence kernels (the programs of this folder):
 * the element type (f32, or vec2f for complex values stored as interleaved
 * (re, im) pairs), complex multiply and conjugate, and the map from a logical
 * step to a physical time index and gate.
 *
 * Time reversal: with `rev = 1` the kernels run the adjoint recurrence
 * λ_t = conj(a_{t+1})·λ_{t+1} + g_t, i.e. logical step s is time T−1−s and its
 * gate is conj(a_{t+1}) (1 past the end), so the backward pass reuses the
 * forward kernels.
 *
 * @module
 */

/** Compile-time sizes of the scan programs: element width 1 (real) or 2 (complex). */
export interface ScanSizes extends Record<string, number> {
  /** Floats per element: 1 for a real recurrence, 2 for a complex one (re, im). */
  w: 1 | 2;
}

/** WGSL for element width `w` (1 real, 2 complex): type V, vmul, vconj, V_ONE, V_ZERO. */
export function scanElementWgsl(w: 1 | 2): string {
  if (w === 1) {
    return `
alias V = f32;
const V_ONE: V = 1.0;
const V_ZERO: V = 0.0;
fn vmul(x: V, y: V) -> V { return x * y; }
fn vconj(x: V) -> V { return x; }
`;
  }
  return `
alias V = vec2f;
const V_ONE: V = vec2f(1.0, 0.0);
const V_ZERO: V = vec2f(0.0, 0.0);
fn vmul(x: V, y: V) -> V { return vec2f(x.x * y.x - x.y * y.y, x.x * y.y + x.y * y.x); }
fn vconj(x: V) -> V { return vec2f(x.x, -x.y); }
`;
}

/** WGSL load and store of element `e` (not float index) from the storage array `name`. */
export function scanAccessWgsl(name: string, w: 1 | 2, writable: boolean): string {
  const ld = w === 1
    ? `fn ld_${name}(e: u32) -> V { return ${name}[e]; }`
    : `fn ld_${name}(e: u32) -> V { return vec2f(${name}[2u * e], ${name}[2u * e + 1u]); }`;
  if (!writable) return ld;
  const st = w === 1
    ? `fn st_${name}(e: u32, v: V) { ${name}[e] = v; }`
    : `fn st_${name}(e: u32, v: V) { ${name}[2u * e] = v.x; ${name}[2u * e + 1u] = v.y; }`;
  return `${ld}\n${st}`;
}

/**
 * WGSL: `phys(s, T)` maps logical step s to its time index, and
 * `gate_at(base, s, T)` reads the gate of logical step s for the sequence whose
 * step 0 is element `base` with a stride of `C` elements per step. Needs
 * `ld_ga` (the gates) and a uniform struct `prm` with fields `rev` and `C`.
 */
export const SCAN_STEP_WGSL = `
fn phys(s: u32, t_len: u32) -> u32 {
  if (prm.rev == 1u) { return t_len - 1u - s; }
  return s;
}
fn gate_at(base: u32, s: u32, t_len: u32) -> V {
  if (prm.rev == 1u) {
    let t = t_len - 1u - s;
    if (t + 1u >= t_len) { return V_ONE; }
    return vconj(ld_ga(base + (t + 1u) * prm.C));
  }
  return ld_ga(base + s * prm.C);
}
`;
