/**
 * The fused attention core of multi-head attention: for each (batch b, head h,
 * query i) one segment of L lanes (impl/ops/kernels/reduce.ts segments) forms
 * the scores, the masked stable softmax and the weighted sum of values in one
 * pass, with no intermediate op.
 *
 * Layout: q [B, Lq, d], k and v [B, Lk, d] (batch-first), head h owning the
 * columns h·dh … h·dh + dh − 1 (dh = d / heads), so the projections' outputs
 * are read in place, without a transpose. Row r = (b·heads + h)·Lq + i of the
 * probability buffer `ps` [B, heads, Lq, Lk] holds that query's weights.
 *
 * - {@link ATTENTION_FORWARD}: bindings `qs`, `ks`, `vs`, `bias` (optional),
 *   `ps`, `os`. Per row: s_j = (Σ_c q_c·k_jc)·scale (+ bias_j), the dot product
 *   summed in order c = 0 … dh − 1; a bias equal to {@link MASKED} (the lowest
 *   f32) marks key j as masked: it takes no part in the max and gets
 *   probability exactly 0. m = max s (exact), e_j = exp(s_j − m), t = Σ e
 *   (segmented sum), p_j = e_j / t, then with attention dropout (seeded,
 *   counter-based as impl/ops/dropout.ts, index r·Lk + j) pd_j = p_j·scale_drop
 *   where kept and 0 where dropped (pd = p exactly without dropout: the scale is
 *   1). `ps` receives pd. After a storage barrier, lane l computes the output
 *   columns c = l, l + L, …: o_c = Σ_j pd_j·v_jc, in order j = 0 … Lk − 1.
 * - {@link ATTENTION_BACKWARD_QUERY}: bindings `qs`, `ks`, `vs`, `bias`, `gos`
 *   (∂o), then `ps`, `dss`, `gq`. Recomputes p exactly as the forward (same
 *   operations, same order) and stores it (undropped) in `ps`; dpd_j = Σ_c
 *   go_c·v_jc, dp_j = dpd_j·(kept_j ? scale_drop : 0), δ = Σ_j p_j·dp_j, ds_j =
 *   p_j·(dp_j − δ) into `dss`; after a storage barrier gq_c = (Σ_j ds_j·k_jc)·scale.
 * - {@link ATTENTION_BACKWARD_KEY}: one invocation per element (b, j, column
 *   h·dh + c) of gk and gv: gk = (Σ_i ds_ij·q_ic)·scale, gv = Σ_i pd_ij·go_ic
 *   with pd recomputed from `ps` and the dropout mask. Grid: ceil(B·Lk·d / 64).
 *
 * Uniforms (all kernels): {rows, lanes, heads, lq, lk, d, dh, scale,
 * bias_rows, drop_seed, drop_threshold, drop_scale}; bias row of score row r is
 * r mod bias_rows (Lq for a shared [Lq, Lk] bias, rows for a full one).
 * Sizes: `oneLane` (L = 1, no barriers), `hasBias`, `dh` (the head width
 * compiled in when one lane serves a row and dh is a power of two in [8, 128]:
 * the query and ∂o rows are cached in private arrays and the weighted sums walk
 * rows of v and k into private accumulators, the same sums in the same order,
 * so the accuracy is unchanged; 0 otherwise). A bias equal to {@link MASKED}
 * means masked, so a finite additive mask value of exactly −3.4028235e38 would
 * read as masked.
 *
 * Accuracy (replayed by spec/nn/multihead_attention/_bounds.ts): every sum is
 * sequential in its own order except t and δ (segmented: path ceil(Lk/L) +
 * log₂L); exp sees s − m ≤ 0 only, so it cannot overflow, and t ≥ 1.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { RNG_WGSL } from "../../../gpu/rng.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, segmentWgsl } from "../../../ops/kernels/reduce.ts";

/** The bias value that marks a masked key: the lowest finite f32. */
export const MASKED: number = -3.4028234663852886e38;
const MASKED_WGSL = "-0x1.fffffep+127f";

/** Compile-time sizes of the row kernels. */
export interface AttentionSizes extends Record<string, boolean | number> {
  /** One lane per row (no barriers). */
  oneLane: boolean;
  /**
   * The head width dh when it is compiled in (one lane per row, dh a power of two from 8 to
   * {@link MAX_UNROLLED_DH}): the row's query (or ∂o) and the output accumulators then live
   * in private arrays and the weighted sums walk rows of v (or k) contiguously; 0: dh is
   * read from the uniforms.
   */
  dh: number;
  /** Whether a bias (additive mask with masked entries) is bound. */
  hasBias: boolean;
}

/** Largest head width compiled into the kernels (private arrays of this many f32). */
export const MAX_UNROLLED_DH = 128;

/** Invocations per workgroup of the key kernel. */
export const ATTENTION_KEY_WORKGROUP = 64;

const UNIFORMS = {
  rows: "u32",
  lanes: "u32",
  heads: "u32",
  lq: "u32",
  lk: "u32",
  d: "u32",
  dh: "u32",
  scale: "f32",
  bias_rows: "u32",
  drop_seed: "u32",
  drop_threshold: "u32",
  drop_scale: "f32",
} as const;

// The row's geometry and its scores, masked entries holding MASKED; lm is the lane's max.
const SCORES = (sz: AttentionSizes) => {
  const hasBias = sz.hasBias;
  const cached = sz.dh > 0;
  return `
  let row = s.row;
  let i = row % p.lq;
  let bh = row / p.lq;
  let hh = bh % p.heads;
  let b = bh / p.heads;
  let qbase = (b * p.lq + i) * p.d + hh * p.dh;
  let kbase = b * p.lk * p.d + hh * p.dh;
  let pbase = row * p.lk;
  let count = select(0u, p.lk, s.live);
  var lm = ${MASKED_WGSL};
  ${
    cached
      ? `var qv: array<f32, ${sz.dh}>;
  if (s.live) { for (var c = 0u; c < ${sz.dh}u; c++) { qv[c] = qs[qbase + c]; } }`
      : ""
  }
  for (var j = s.lane; j < count; j += p.lanes) {
    var acc = 0.0;
    let kj = kbase + j * p.d;
    for (var c = 0u; c < p.dh; c++) { acc += ${cached ? "qv[c]" : "qs[qbase + c]"} * ks[kj + c]; }
    var sc = acc * p.scale;
    ${
    hasBias
      ? `let bv = bias[(row % p.bias_rows) * p.lk + j];
    if (bv == ${MASKED_WGSL}) { ps[pbase + j] = ${MASKED_WGSL}; continue; }
    sc = sc + bv;`
      : ""
  }
    ps[pbase + j] = sc;
    lm = max(lm, sc);
  }
  ${hasBias ? "" : "_ = bias[0]; // keeps the optional binding in the layout"}
  let m = seg_max(lid, s.lane, p.lanes, lm);
  var acc_t = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let sc = ps[pbase + j];
    var e = 0.0;
    if (sc != ${MASKED_WGSL}) { e = exp(sc - m); }
    ps[pbase + j] = e;
    acc_t += e;
  }
  let total = seg_sum(lid, s.lane, p.lanes, acc_t);`;
};

/**
 * out[qbase + c] = (Σ_j w[pbase + j]·mat[kbase + j·d + c]) (times `scale`), each sum in
 * order j = 0 … Lk − 1: lanes split the columns, or, with dh compiled in, the one lane walks
 * rows of `mat` into private accumulators (the same sums in the same order).
 */
function weightedSum(
  sz: AttentionSizes,
  w: string,
  mat: string,
  out: string,
  scale: string,
): string {
  if (sz.dh > 0) {
    return `var acc_o: array<f32, ${sz.dh}>;
  for (var j = 0u; j < count; j++) {
    let wj = ${w}[pbase + j];
    let mj = kbase + j * p.d;
    for (var c = 0u; c < ${sz.dh}u; c++) { acc_o[c] += wj * ${mat}[mj + c]; }
  }
  let cols = select(0u, ${sz.dh}u, s.live);
  for (var c = 0u; c < cols; c++) { ${out}[qbase + c] = acc_o[c]${scale}; }`;
  }
  return `let cols = select(0u, p.dh, s.live);
  for (var c = s.lane; c < cols; c += p.lanes) {
    var acc = 0.0;
    for (var j = 0u; j < p.lk; j++) { acc += ${w}[pbase + j] * ${mat}[kbase + j * p.d + c]; }
    ${out}[qbase + c] = acc${scale};
  }`;
}

const HELPERS = (s: AttentionSizes) =>
  `${segmentWgsl(s.oneLane)}
${RNG_WGSL}
// Whether attention-dropout keeps probability index k (threshold 0: always).
fn kept(k: u32) -> bool {
  return (rng_u32(p.drop_seed, k) >> 8u) >= p.drop_threshold;
}`;

const BARRIER = (s: AttentionSizes) => (s.oneLane ? "" : "storageBarrier();");

/** Forward: probabilities (after attention dropout) into `ps`, output into `os`. */
export const ATTENTION_FORWARD: Program<AttentionSizes> = defineProgram<AttentionSizes>({
  name: "attention_forward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    vs: { access: "read" },
    bias: { access: "read", optional: true },
    ps: { access: "read_write" },
    os: { access: "read_write" },
  },
  helpers: HELPERS,
  main: (s) =>
    `${SEGMENT_MAIN}${SCORES(s)}
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = pbase + j;
    ps[k] = select(0.0, (ps[k] / total) * p.drop_scale, kept(k));
  }
  ${BARRIER(s)}
  ${weightedSum(s, "ps", "vs", "os", "")}`,
});

/** Backward, query side: recomputed p into `ps`, ∂scores into `dss`, ∂q into `gq`. */
export const ATTENTION_BACKWARD_QUERY: Program<AttentionSizes> = defineProgram<AttentionSizes>({
  name: "attention_backward_query",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    qs: { access: "read" },
    ks: { access: "read" },
    vs: { access: "read" },
    bias: { access: "read", optional: true },
    gos: { access: "read" },
    ps: { access: "read_write" },
    dss: { access: "read_write" },
    gq: { access: "read_write" },
  },
  helpers: HELPERS,
  main: (s) =>
    `${SEGMENT_MAIN}${SCORES(s)}
  ${
      s.dh > 0
        ? `var gv: array<f32, ${s.dh}>;
  if (s.live) { for (var c = 0u; c < ${s.dh}u; c++) { gv[c] = gos[qbase + c]; } }`
        : ""
    }
  var acc_d = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = pbase + j;
    let pj = ps[k] / total;
    ps[k] = pj;
    var dpd = 0.0;
    let vj = kbase + j * p.d;
    for (var c = 0u; c < p.dh; c++) { dpd += ${
      s.dh > 0 ? "gv[c]" : "gos[qbase + c]"
    } * vs[vj + c]; }
    let dp = select(0.0, dpd * p.drop_scale, kept(k));
    dss[k] = dp;
    acc_d += pj * dp;
  }
  let delta = seg_sum(lid, s.lane, p.lanes, acc_d);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = pbase + j;
    dss[k] = ps[k] * (dss[k] - delta);
  }
  ${BARRIER(s)}
  ${weightedSum(s, "dss", "ks", "gq", " * p.scale")}`,
});

/** Backward, key side: ∂k and ∂v, one invocation per element. */
export const ATTENTION_BACKWARD_KEY: Program = defineProgram({
  name: "attention_backward_key",
  workgroupSize: ATTENTION_KEY_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    qs: { access: "read" },
    gos: { access: "read" },
    ps: { access: "read" },
    dss: { access: "read" },
    gk: { access: "read_write" },
    gv: { access: "read_write" },
  },
  helpers: () =>
    `${RNG_WGSL}
fn kept(k: u32) -> bool {
  return (rng_u32(p.drop_seed, k) >> 8u) >= p.drop_threshold;
}`,
  main: () =>
    `let e = wg * ${ATTENTION_KEY_WORKGROUP}u + lid;
  let n = (p.rows / p.lq) / p.heads * p.lk * p.d;
  if (e >= n) { return; }
  let col = e % p.d;
  let bj = e / p.d;
  let j = bj % p.lk;
  let b = bj / p.lk;
  let hh = col / p.dh;
  let srow = (b * p.heads + hh) * p.lq;
  var acc_k = 0.0;
  var acc_v = 0.0;
  for (var i = 0u; i < p.lq; i++) {
    let k = (srow + i) * p.lk + j;
    let qi = (b * p.lq + i) * p.d + col;
    acc_k += dss[k] * qs[qi];
    acc_v += select(0.0, ps[k] * p.drop_scale, kept(k)) * gos[qi];
  }
  gk[e] = acc_k * p.scale;
  gv[e] = acc_v;`,
});
