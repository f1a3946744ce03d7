/**
 * The parallel (round-robin) Jacobi eigenvalue kernels of impl/linalg/eigh_gpu.ts, f32.
 *
 * Ordering: the circle method of round-robin tournaments (Brent & Luk, "The
 * solution of singular-value and symmetric eigenvalue problems on
 * multiprocessor arrays", SIAM J. Sci. Stat. Comput. 6(1), 1985): with
 * m = n rounded up to even, round r ∈ [0, m − 1) pairs index m − 1 with r and
 * every other i with (2r − i) mod (m − 1). The m/2 pairs of a round are
 * disjoint and the m − 1 rounds of a sweep meet every pair exactly once. An
 * index paired with m − 1 ≥ n (n odd) sits the round out.
 *
 * Programs (h = m/2 pairs a round):
 * - {@link JACOBI_ROTATIONS} (64 invocations a workgroup): uniforms `n`, `m`,
 *   `round`; bindings `a` (n × n, read), `pairs` (vec2u per pair, write: p < q,
 *   q = n for the dummy of odd n), `rot` (vec2f per pair, write: c, s).
 *   Invocation k computes pair k's rotation from a_pp, a_qq, a_pq:
 *   t = sign(d)·a_pq/(|d| + √(d² + a_pq²)), d = (a_qq − a_pp)/2 (the smaller
 *   angle, |φ| ≤ π/4, as impl/linalg/eigh.ts), c = inverseSqrt(1 + t²),
 *   s = t·c; (1, 0) for the dummy or |a_pq| ≤ 1e-18 (t = 0, c = 1 exactly).
 *   New column p = c·col_p − s·col_q, new column q = s·col_p + c·col_q.
 *   Grid: ⌈h / 64⌉.
 * - {@link JACOBI_APPLY_A}: uniforms `n`, `h`; bindings `a`, `pairs`, `rot`
 *   (read), `a_out` (write). Invocation (x, y), x ≤ y, forms the 2 × 2 block
 *   of A′ = JᵀAJ on pair x's rows and pair y's columns: rows first
 *   (r = c_x·b_p − s_x·b_q, …), then columns, and writes it and its transpose,
 *   so A′ is exactly symmetric; the diagonal blocks' a′_pq is set to 0.
 *   Workgroups of 8 × 8; grid [⌈h/8⌉, ⌈h/8⌉, 1].
 * - {@link JACOBI_APPLY_V}: uniforms `n`, `h`; bindings `v`, `pairs`, `rot`
 *   (read), `v_out` (write). Invocation (k, i) writes row i of V′ = VJ on
 *   pair k's two columns. Grid: [⌈h / 64⌉, n, 1].
 * - {@link JACOBI_NORMS}: one workgroup of 256; bindings `a` (read), `out`
 *   (write, 2 floats), uniform `n`: Σ_{i≠j} a_ij² and Σ_i a_ii², each lane
 *   summing its strided share, then a shared-memory tree. The lane loop runs
 *   ⌈n²/256⌉ + 1 iterations, declared for n = {@link JACOBI_NORMS_MAX_N}.
 *
 * Accuracy (the derivation is in impl/linalg/eigh_gpu.ts and
 * invariants/tolerance.ts, LINALG_GPU_JACOBI_C): c and s are within 5u and 6u
 * (u = 2⁻²⁴) of an exact rotation by the computed t (inverseSqrt within 2 ulp,
 * its argument within 2 roundings); each A′ element is two nested two-term
 * sums (γ₄ of |J|ᵀ|A||J|), each V′ element one (γ₂ of |V||J|). The norms are
 * sums of squares (class T3); the stopping test that reads them needs them
 * only to a few digits.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup of the rotation and apply kernels. */
export const JACOBI_WORKGROUP = 64;
/** Side of the apply kernel's square workgroup tile. */
export const JACOBI_TILE = 8;
/** Lanes of the one-workgroup norm kernel. */
export const JACOBI_NORM_LANES = 256;

/**
 * Off-diagonal magnitude below which a pair is not rotated but only zeroed (t = 0, c = 1): the
 * matrix is scaled to max|a| ∈ [0.5, 1) before the sweeps, so 1e-18 is ≈ 1e-11·u₃₂·‖A‖, and
 * d² + a_pq² stays a normal f32 (≥ 1e-36) for every rotated pair.
 */
export const JACOBI_TINY = 1e-18;

/** Pair k of round r among m players (m even): (r, m − 1) for k = 0, else (r + k, r − k) mod (m − 1). */
const PAIR = `
fn pair_of(k: u32, r: u32, m: u32) -> vec2u {
  if (k == 0u) { return vec2u(min(r, m - 1u), max(r, m - 1u)); }
  let x = (r + k) % (m - 1u);
  // (r − k) mod (m − 1), kept non-negative: k ≤ m/2 − 1 < m − 1.
  let y = (r + (m - 1u) - k) % (m - 1u);
  return vec2u(min(x, y), max(x, y));
}
`;

/** Computes each pair's indices (p < q) and rotation (c, s) for one round. */
export const JACOBI_ROTATIONS: Program = defineProgram({
  name: "linalg_jacobi_rotations",
  workgroupSize: JACOBI_WORKGROUP,
  uniforms: { n: "u32", m: "u32", round: "u32" },
  bindings: {
    a: { access: "read" },
    pairs: { access: "read_write", type: "vec2u" },
    rot: { access: "read_write", type: "vec2f" },
  },
  helpers: () => PAIR,
  main: () => `
  let k = wg * ${JACOBI_WORKGROUP}u + lid;
  if (k >= p.m / 2u) { return; }
  let pq = pair_of(k, p.round, p.m);
  pairs[k] = pq;
  // q = n is the dummy player of odd n: its partner sits the round out.
  if (pq.y >= p.n) { rot[k] = vec2f(1.0, 0.0); return; }
  let app = a[pq.x * p.n + pq.x];
  let aqq = a[pq.y * p.n + pq.y];
  let apq = a[pq.x * p.n + pq.y];
  var t = 0.0;
  if (abs(apq) > ${JACOBI_TINY}) {
    let d = 0.5 * aqq - 0.5 * app;
    let h = sqrt(d * d + apq * apq);
    let sg = select(-1.0, 1.0, d >= 0.0);
    t = sg * apq / (abs(d) + h);
  }
  let c = select(inverseSqrt(1.0 + t * t), 1.0, t == 0.0);
  rot[k] = vec2f(c, t * c);`,
});

/**
 * Applies one round's rotations to A: A′ = JᵀAJ, one 2 × 2 block (pair x's rows, pair y's
 * columns) per invocation, x ≤ y, written with its transpose.
 */
export const JACOBI_APPLY_A: Program = defineProgram({
  name: "linalg_jacobi_apply_a",
  workgroupSize: [JACOBI_TILE, JACOBI_TILE, 1],
  uniforms: { n: "u32", h: "u32" },
  bindings: {
    a: { access: "read" },
    pairs: { access: "read", type: "vec2u" },
    rot: { access: "read", type: "vec2f" },
    a_out: { access: "read_write" },
  },
  // Only the upper triangle of blocks works; each writes the block and its transpose, so A′
  // is exactly symmetric by construction.
  main: () => `
  let x = wid.y * ${JACOBI_TILE}u + lid3.y;
  let y = wid.x * ${JACOBI_TILE}u + lid3.x;
  if (x >= p.h || y >= p.h || x > y) { return; }
  let n = p.n;
  let r = pairs[x];
  let c = pairs[y];
  let jr = rot[x];
  let jc = rot[y];
  // q = n marks a pair whose second index is the dummy (odd n): that row/column is absent.
  let rq = r.y < n;
  let cq = c.y < n;
  let b11 = a[r.x * n + c.x];
  var b12 = 0.0;
  var b21 = 0.0;
  var b22 = 0.0;
  if (cq) { b12 = a[r.x * n + c.y]; }
  if (rq) { b21 = a[r.y * n + c.x]; }
  if (rq && cq) { b22 = a[r.y * n + c.y]; }
  // Rows: p′ = c·p − s·q, q′ = s·p + c·q; then the same on the columns.
  let r11 = jr.x * b11 - jr.y * b21;
  let r12 = jr.x * b12 - jr.y * b22;
  let r21 = jr.y * b11 + jr.x * b21;
  let r22 = jr.y * b12 + jr.x * b22;
  let o11 = jc.x * r11 - jc.y * r12;
  var o12 = jc.y * r11 + jc.x * r12;
  var o21 = jc.x * r21 - jc.y * r22;
  let o22 = jc.y * r21 + jc.x * r22;
  if (x == y) {
    // The rotated pair's own entry: annihilated by construction, set to exactly 0.
    o12 = 0.0;
    o21 = 0.0;
  }
  a_out[r.x * n + c.x] = o11;
  a_out[c.x * n + r.x] = o11;
  if (cq) { a_out[r.x * n + c.y] = o12; a_out[c.y * n + r.x] = o12; }
  if (rq) { a_out[r.y * n + c.x] = o21; a_out[c.x * n + r.y] = o21; }
  if (rq && cq) { a_out[r.y * n + c.y] = o22; a_out[c.y * n + r.y] = o22; }`,
});

/** Applies one round's rotations to V: V′ = VJ, one row × one pair per invocation. */
export const JACOBI_APPLY_V: Program = defineProgram({
  name: "linalg_jacobi_apply_v",
  workgroupSize: JACOBI_WORKGROUP,
  uniforms: { n: "u32", h: "u32" },
  bindings: {
    v: { access: "read" },
    pairs: { access: "read", type: "vec2u" },
    rot: { access: "read", type: "vec2f" },
    v_out: { access: "read_write" },
  },
  // Pair k = 64·(workgroup x) + lane, row i = workgroup y: no integer division.
  main: () => `
  let k = wid.x * ${JACOBI_WORKGROUP}u + lid;
  let i = wid.y;
  if (k >= p.h || i >= p.n) { return; }
  let pq = pairs[k];
  let j = rot[k];
  let vp = v[i * p.n + pq.x];
  if (pq.y >= p.n) { v_out[i * p.n + pq.x] = vp; return; }
  let vq = v[i * p.n + pq.y];
  v_out[i * p.n + pq.x] = j.x * vp - j.y * vq;
  v_out[i * p.n + pq.y] = j.y * vp + j.x * vq;`,
});

/** Largest order the norm kernel's declared loop count covers (eigh_gpu.ts's EIGH_GPU_MAX_N). */
export const JACOBI_NORMS_MAX_N = 2048;

/** Σ_{i≠j} a_ij² and Σ_i a_ii² in one workgroup. */
export const JACOBI_NORMS: Program = defineProgram({
  name: "linalg_jacobi_norms",
  uniforms: { n: "u32" },
  workgroupSize: JACOBI_NORM_LANES,
  bindings: { a: { access: "read" }, out: { access: "read_write" } },
  helpers: () => `
var<workgroup> off_part: array<f32, ${JACOBI_NORM_LANES}>;
var<workgroup> diag_part: array<f32, ${JACOBI_NORM_LANES}>;
`,
  main: () => `
  let n = p.n;
  var off = 0.0;
  var dia = 0.0;
  for (var e = lid; e < n * n; e += ${JACOBI_NORM_LANES}u) {
    let x = a[e];
    if (e / n == e % n) { dia += x * x; } else { off += x * x; }
  }
  off_part[lid] = off;
  diag_part[lid] = dia;
  workgroupBarrier();
  for (var w = ${JACOBI_NORM_LANES / 2}u; w > 0u; w = w / 2u) {
    if (lid < w) {
      off_part[lid] += off_part[lid + w];
      diag_part[lid] += diag_part[lid + w];
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = off_part[0]; out[1] = diag_part[0]; }`,
  // Declared for the largest n: one compiled program serves every order.
  loopIterations: () => Math.ceil((JACOBI_NORMS_MAX_N ** 2) / JACOBI_NORM_LANES) + 1 + 9,
});
