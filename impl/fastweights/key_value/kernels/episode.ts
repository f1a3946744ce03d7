/**
 * WGSL routine shared by the key-value kernels (a snippet, not a kernel):
 * `kv_episode(ko, vo, qi)` runs one episode's forward and backward with the
 * projector in the private array `wk` (row-major [D, D]):
 *   pk[t, i] = Σ_j wk[i, j]·k_t[j];  pq[i] = Σ_j wk[i, j]·k_qi[j];
 *   fast[a, c] = Σ_t v_t[a]·pk[t, c];  y[a] = Σ_c fast[a, c]·pq[c];  ȳ = y − v_qi;
 *   dpq[c] = Σ_a fast[a, c]·ȳ[a];  dK[t, c] = Σ_a v_t[a]·(ȳ[a]·pq[c]);
 *   grad[i, j] = dpq[i]·k_qi[j] + Σ_t dK[t, i]·k_t[j];  returns ½·Σ_a ȳ[a]².
 * Every sum runs left to right from its first term (class T3).
 * `keys` and `vals` must be declared by the kernel; `ko`, `vo` are the
 * episode's offsets in them.
 *
 * @module
 */

/** Sizes baked into a key-value kernel (the programs' compile-time sizes). */
export interface KvDims extends Record<string, number> {
  /** Key size d (W_K is d×d). */
  keyDim: number;
  /** Value size d_v (the fast weights W_fast are d_v×d). */
  valueDim: number;
  /** Pairs N per episode. */
  pairs: number;
}

/** Loop-header evaluations of one `kv_episode` call. */
export function kvEpisodeLoops({ keyDim: D, valueDim: DV, pairs: N }: KvDims): number {
  return (N + 1) + N * (D + 1) + N * D * (D + 1) + // pk
    (D + 1) + D * (D + 1) + // pq
    (DV + 1) + DV * (D + 1) + DV * D * (N + 1) + // fast
    (DV + 1) + DV * (D + 1) + // y
    (D + 1) + D * (DV + 1) + // dpq
    (N + 1) + N * (D + 1) + N * D * (DV + 1) + // dK
    (D + 1) + D * (D + 1) + D * D * (N + 1); // grad
}

/** WGSL of the private state and `kv_episode`. */
export function kvEpisodeWgsl({ keyDim: D, valueDim: DV, pairs: N }: KvDims): string {
  return `
var<private> wk: array<f32, ${D * D}>;
var<private> pk: array<f32, ${N * D}>;
var<private> pq: array<f32, ${D}>;
var<private> fastw: array<f32, ${DV * D}>;
var<private> yv: array<f32, ${DV}>;
var<private> dy: array<f32, ${DV}>;
var<private> dpq: array<f32, ${D}>;
var<private> dkp: array<f32, ${N * D}>;
var<private> grad: array<f32, ${D * D}>;
fn kv_episode(ko: u32, vo: u32, qi: u32) -> f32 {
  for (var t = 0u; t < ${N}u; t++) {
    for (var i = 0u; i < ${D}u; i++) {
      var s = 0.0;
      for (var j = 0u; j < ${D}u; j++) { s = s + wk[i * ${D}u + j] * keys[ko + t * ${D}u + j]; }
      pk[t * ${D}u + i] = s;
    }
  }
  for (var i = 0u; i < ${D}u; i++) {
    var s = 0.0;
    for (var j = 0u; j < ${D}u; j++) { s = s + wk[i * ${D}u + j] * keys[ko + qi * ${D}u + j]; }
    pq[i] = s;
  }
  for (var a = 0u; a < ${DV}u; a++) {
    for (var c = 0u; c < ${D}u; c++) {
      var s = 0.0;
      for (var t = 0u; t < ${N}u; t++) { s = s + vals[vo + t * ${DV}u + a] * pk[t * ${D}u + c]; }
      fastw[a * ${D}u + c] = s;
    }
  }
  var loss = 0.0;
  for (var a = 0u; a < ${DV}u; a++) {
    var s = 0.0;
    for (var c = 0u; c < ${D}u; c++) { s = s + fastw[a * ${D}u + c] * pq[c]; }
    yv[a] = s;
    let d = s - vals[vo + qi * ${DV}u + a];
    dy[a] = d;
    loss = loss + d * d;
  }
  for (var c = 0u; c < ${D}u; c++) {
    var s = 0.0;
    for (var a = 0u; a < ${DV}u; a++) { s = s + fastw[a * ${D}u + c] * dy[a]; }
    dpq[c] = s;
  }
  for (var t = 0u; t < ${N}u; t++) {
    for (var c = 0u; c < ${D}u; c++) {
      var s = 0.0;
      for (var a = 0u; a < ${DV}u; a++) { s = s + vals[vo + t * ${DV}u + a] * (dy[a] * pq[c]); }
      dkp[t * ${D}u + c] = s;
    }
  }
  for (var i = 0u; i < ${D}u; i++) {
    for (var j = 0u; j < ${D}u; j++) {
      var s = dpq[i] * keys[ko + qi * ${D}u + j];
      for (var t = 0u; t < ${N}u; t++) { s = s + dkp[t * ${D}u + i] * keys[ko + t * ${D}u + j]; }
      grad[i * ${D}u + j] = s;
    }
  }
  return 0.5 * loss;
}
`;
}
