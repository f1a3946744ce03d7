/**
 * The fused kernels of the edge-gain graph attention layer
 * (Okerew/larkos_models:modules/training.py `_GATLayer`) on a dense [N, N]
 * graph. z = h·Wᵀ [B, N, dOut] comes from the matmul op; head h owns the
 * columns h·hd … h·hd + hd − 1. The edge gains arrive as one f32 array
 * `gains` [N, N] computed on the host: g_ij = 1 + tanh(w_ij) on an edge, and
 * {@link NON_EDGE} (−1, below every gain) where A_ij = 0, so a non-edge is
 * skipped whatever its weight holds.
 *
 * - {@link GAT_NODE_SCORES}: one invocation per (b, h, n): s = Σ_c a_src_c·z_c
 *   and t = Σ_c a_dst_c·z_c, in order c = 0 … hd − 1, into `ss`, `ts` [B, H, N].
 * - {@link GAT_FORWARD}: one segment of L lanes per row r = (b·H + h)·N + i
 *   (impl/ops/kernels/reduce.ts segments). Per edge j: x = s_i + t_j,
 *   e = select(0.2·x, x, x > 0), ẽ = e·g_ij; m = max ẽ (exact); ε_j =
 *   exp(ẽ_j − m), written 1 exactly where ẽ_j = m; τ = Σ ε (segmented);
 *   α_j = ε_j / τ, written 1 exactly where ε_j = τ; non-edges get α = 0
 *   exactly. α goes to `ps` [B, H, N, N]; after a storage barrier lane l
 *   computes the columns c = l, l + L, …: out_c = Σ_j α_j·z_jc in order
 *   j = 0 … N − 1. The two exact cases make a node whose only edge is its
 *   self-loop return z_i bit for bit on any adapter (α = exp(0)/1 = 1).
 * - {@link GAT_BACKWARD_ROW}: recomputes α with the same operations in the same
 *   order (bit-identical to the forward) into `ps`; ∂α_j = Σ_c ∂out_c·z_jc
 *   (order c), δ = Σ_j α_j·∂α_j (segmented), ∂x_j = ((α_j·(∂α_j − δ))·g_ij)·
 *   select(0.2, 1, x_j > 0) into `dxs` [B, H, N, N] (0 off-edge), and
 *   ∂s_i = Σ_j ∂x_j (segmented) into `dss` [B, H, N].
 * - {@link GAT_BACKWARD_DT}: one invocation per (b, h, n): ∂t_n = Σ_i ∂x_in in
 *   order i = 0 … N − 1, into `dts`.
 * - {@link GAT_BACKWARD_NODE}: one invocation per element (b, n, col) of ∂z:
 *   ((Σ_i α_in·∂out_i,col) + ∂s_n·a_src_col) + ∂t_n·a_dst_col, the sum in order i.
 * - {@link GAT_BACKWARD_PARAMS}: one invocation per column col of a_src/a_dst
 *   ([H, hd] flattened): Σ_{b, n} ∂s·z_col and Σ_{b, n} ∂t·z_col in order (b, n).
 *
 * Terms with α = 0 (non-edges) are skipped in the sums over j and i: adding an exact 0 changes
 * no sum (inputs are finite), so the results are those of the full sums, faster on sparse graphs.
 *
 * Uniforms (all kernels): {rows, lanes, heads, n, dout, hd, batch}. Sizes of the row kernels:
 * `oneLane` (L = 1, no barriers) and `hd` (the head width compiled in when one lane serves a
 * row and hd is a power of two in [8, 128]: the aggregation accumulates in private arrays and
 * the backward caches the row's ∂out, the same sums in the same order; 0 otherwise).
 * Accuracy: replayed by spec/larkos/gat_layer/_bounds.ts.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, segmentWgsl } from "../../../ops/kernels/reduce.ts";

/** The gain written for a non-edge: below every real gain (1 + tanh w ≥ 0). */
export const NON_EDGE: number = -1;

/** The lowest finite f32: marks a skipped score inside the row kernels. */
const MASKED_WGSL = "-0x1.fffffep+127f";

/** The LeakyReLU slope, as a WGSL literal (f32(0.2)). */
export const SLOPE_WGSL = "0.2f";

/** Invocations per workgroup of the element kernels. */
export const GAT_ELEMENT_WORKGROUP = 64;

/** Compile-time sizes of the row kernels. */
export interface GatRowSizes extends Record<string, boolean | number> {
  /** One lane per row (no barriers). */
  oneLane: boolean;
  /**
   * The head width hd when it is compiled in (one lane per row, hd a power of two from 8 to
   * {@link MAX_UNROLLED_HD}): the row's ∂out is cached in a private array and the aggregation
   * walks rows of z into private accumulators, the same sums in the same order; 0: hd is read
   * from the uniforms.
   */
  hd: number;
}

/** Largest head width compiled into the row kernels (private arrays of this many f32). */
export const MAX_UNROLLED_HD = 128;

const UNIFORMS = {
  rows: "u32",
  lanes: "u32",
  heads: "u32",
  n: "u32",
  dout: "u32",
  hd: "u32",
  batch: "u32",
} as const;

// The row's geometry, its masked scores and softmax: α_j in ps[pbase + j] (after the last loop).
const ROW_SOFTMAX = `
  let row = s.row;
  let i = row % p.n;
  let bh = row / p.n;
  let hh = bh % p.heads;
  let b = bh / p.heads;
  let count = select(0u, p.n, s.live);
  let si = select(0.0, ss[min(row, p.rows - 1u)], s.live);
  let tbase = bh * p.n;
  let gbase = i * p.n;
  let pbase = row * p.n;
  let zcol = hh * p.hd;
  var lm = ${MASKED_WGSL};
  for (var j = s.lane; j < count; j += p.lanes) {
    let g = gains[gbase + j];
    if (g < 0.0) { ps[pbase + j] = ${MASKED_WGSL}; continue; }
    let x = si + ts[tbase + j];
    let e = select(${SLOPE_WGSL} * x, x, x > 0.0);
    let sc = e * g;
    ps[pbase + j] = sc;
    lm = max(lm, sc);
  }
  let m = seg_max(lid, s.lane, p.lanes, lm);
  var acc_t = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let sc = ps[pbase + j];
    var ex = 0.0;
    if (sc != ${MASKED_WGSL}) {
      let d = sc - m;
      ex = select(exp(d), 1.0, d == 0.0);
    }
    ps[pbase + j] = ex;
    acc_t += ex;
  }
  let total = seg_sum(lid, s.lane, p.lanes, acc_t);
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = pbase + j;
    let ex = ps[k];
    ps[k] = select(ex / total, 1.0, ex == total);
  }`;

const BARRIER = (s: GatRowSizes) => (s.oneLane ? "" : "storageBarrier();");

/**
 * out_c = Σ_j α_j·z_jc in order j = 0 … N − 1, skipping α_j = 0 (non-edges: adding an exact 0
 * changes no sum): lanes split the columns, or, with hd compiled in, the one lane walks rows of
 * z into private accumulators (the same sums in the same order).
 */
const AGGREGATE = (s: GatRowSizes) =>
  s.hd > 0
    ? `var acc_o: array<f32, ${s.hd}>;
  for (var j = 0u; j < count; j++) {
    let aj = ps[pbase + j];
    if (aj == 0.0) { continue; }
    let zj = (b * p.n + j) * p.dout + zcol;
    for (var c = 0u; c < ${s.hd}u; c++) { acc_o[c] += aj * zs[zj + c]; }
  }
  let cols = select(0u, ${s.hd}u, s.live);
  for (var c = 0u; c < cols; c++) { os[obase + c] = acc_o[c]; }`
    : `let cols = select(0u, p.hd, s.live);
  for (var c = s.lane; c < cols; c += p.lanes) {
    var acc = 0.0;
    for (var j = 0u; j < p.n; j++) {
      let aj = ps[pbase + j];
      if (aj == 0.0) { continue; }
      acc += aj * zs[(b * p.n + j) * p.dout + zcol + c];
    }
    os[obase + c] = acc;
  }`;

/** s and t per (b, h, n). */
export const GAT_NODE_SCORES: Program = defineProgram({
  name: "gat_node_scores",
  workgroupSize: GAT_ELEMENT_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    zs: { access: "read" },
    asrc: { access: "read" },
    adst: { access: "read" },
    ss: { access: "read_write" },
    ts: { access: "read_write" },
  },
  main: () =>
    `let k = wg * ${GAT_ELEMENT_WORKGROUP}u + lid;
  if (k >= p.rows) { return; }
  let nn = k % p.n;
  let bh = k / p.n;
  let hh = bh % p.heads;
  let b = bh / p.heads;
  let zb = (b * p.n + nn) * p.dout + hh * p.hd;
  let ab = hh * p.hd;
  var acc_s = 0.0;
  var acc_t = 0.0;
  for (var c = 0u; c < p.hd; c++) {
    let zv = zs[zb + c];
    acc_s += asrc[ab + c] * zv;
    acc_t += adst[ab + c] * zv;
  }
  ss[k] = acc_s;
  ts[k] = acc_t;`,
});

/** Forward: α into `ps`, the aggregated output into `os`. */
export const GAT_FORWARD: Program<GatRowSizes> = defineProgram<GatRowSizes>({
  name: "gat_forward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    zs: { access: "read" },
    ss: { access: "read" },
    ts: { access: "read" },
    gains: { access: "read" },
    ps: { access: "read_write" },
    os: { access: "read_write" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: (s) =>
    `${SEGMENT_MAIN}${ROW_SOFTMAX}
  ${BARRIER(s)}
  let obase = (b * p.n + i) * p.dout + zcol;
  ${AGGREGATE(s)}`,
});

/** Backward, row side: α into `ps`, ∂x into `dxs`, ∂s into `dss`. */
export const GAT_BACKWARD_ROW: Program<GatRowSizes> = defineProgram<GatRowSizes>({
  name: "gat_backward_row",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    zs: { access: "read" },
    ss: { access: "read" },
    ts: { access: "read" },
    gains: { access: "read" },
    gos: { access: "read" },
    ps: { access: "read_write" },
    dxs: { access: "read_write" },
    dss: { access: "read_write" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: (s) =>
    `${SEGMENT_MAIN}${ROW_SOFTMAX}
  let obase = (b * p.n + i) * p.dout + zcol;
  ${
      s.hd > 0
        ? `var gv: array<f32, ${s.hd}>;
  if (s.live) { for (var c = 0u; c < ${s.hd}u; c++) { gv[c] = gos[obase + c]; } }`
        : ""
    }
  var acc_d = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    // A non-edge's ∂α is not needed: its α is 0 and its ∂x is written 0 below.
    if (gains[gbase + j] < 0.0) { continue; }
    let k = pbase + j;
    var da = 0.0;
    let zj = (b * p.n + j) * p.dout + zcol;
    for (var c = 0u; c < ${s.hd > 0 ? `${s.hd}u` : "p.hd"}; c++) { da += ${
      s.hd > 0 ? "gv[c]" : "gos[obase + c]"
    } * zs[zj + c]; }
    dxs[k] = da;
    acc_d += ps[k] * da;
  }
  let delta = seg_sum(lid, s.lane, p.lanes, acc_d);
  var acc_s = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) {
    let k = pbase + j;
    let g = gains[gbase + j];
    var dx = 0.0;
    if (g >= 0.0) {
      let x = si + ts[tbase + j];
      let de = ps[k] * (dxs[k] - delta);
      dx = (de * g) * select(${SLOPE_WGSL}, 1.0, x > 0.0);
    }
    dxs[k] = dx;
    acc_s += dx;
  }
  let dsv = seg_sum(lid, s.lane, p.lanes, acc_s);
  if (s.live && s.lane == 0u) { dss[row] = dsv; }`,
});

/** Backward: ∂t per (b, h, n), a column sum of ∂x. */
export const GAT_BACKWARD_DT: Program = defineProgram({
  name: "gat_backward_dt",
  workgroupSize: GAT_ELEMENT_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    dxs: { access: "read" },
    dts: { access: "read_write" },
  },
  main: () =>
    `let k = wg * ${GAT_ELEMENT_WORKGROUP}u + lid;
  if (k >= p.rows) { return; }
  let nn = k % p.n;
  let bh = k / p.n;
  var acc = 0.0;
  for (var i = 0u; i < p.n; i++) { acc += dxs[(bh * p.n + i) * p.n + nn]; }
  dts[k] = acc;`,
});

/** Backward: ∂z, one invocation per element. */
export const GAT_BACKWARD_NODE: Program = defineProgram({
  name: "gat_backward_node",
  workgroupSize: GAT_ELEMENT_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    ps: { access: "read" },
    gos: { access: "read" },
    dss: { access: "read" },
    dts: { access: "read" },
    asrc: { access: "read" },
    adst: { access: "read" },
    gz: { access: "read_write" },
  },
  main: () =>
    `let e = wg * ${GAT_ELEMENT_WORKGROUP}u + lid;
  if (e >= p.batch * p.n * p.dout) { return; }
  let col = e % p.dout;
  let bn = e / p.dout;
  let nn = bn % p.n;
  let b = bn / p.n;
  let hh = col / p.hd;
  let bh = b * p.heads + hh;
  var acc = 0.0;
  for (var i = 0u; i < p.n; i++) {
    let a = ps[(bh * p.n + i) * p.n + nn];
    if (a == 0.0) { continue; } // a non-edge adds an exact 0
    acc += a * gos[(b * p.n + i) * p.dout + col];
  }
  let k = bh * p.n + nn;
  gz[e] = (acc + dss[k] * asrc[col]) + dts[k] * adst[col];`,
});

/** Backward: ∂a_src and ∂a_dst, one invocation per column of [H, hd]. */
export const GAT_BACKWARD_PARAMS: Program = defineProgram({
  name: "gat_backward_params",
  workgroupSize: GAT_ELEMENT_WORKGROUP,
  uniforms: UNIFORMS,
  bindings: {
    zs: { access: "read" },
    dss: { access: "read" },
    dts: { access: "read" },
    gas: { access: "read_write" },
    gad: { access: "read_write" },
  },
  main: () =>
    `let col = wg * ${GAT_ELEMENT_WORKGROUP}u + lid;
  if (col >= p.dout) { return; }
  let hh = col / p.hd;
  var acc_s = 0.0;
  var acc_t = 0.0;
  for (var b = 0u; b < p.batch; b++) {
    for (var nn = 0u; nn < p.n; nn++) {
      let zv = zs[(b * p.n + nn) * p.dout + col];
      let k = (b * p.heads + hh) * p.n + nn;
      acc_s += dss[k] * zv;
      acc_t += dts[k] * zv;
    }
  }
  gas[col] = acc_s;
  gad[col] = acc_t;`,
});
