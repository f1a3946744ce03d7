/**
 * Row reductions: `sum` (with a scale, so `mean` is the same kernel) and
 * `max` with its first-maximum argmax, over a tensor viewed as
 * [outer, n, inner] and reduced along n; plus the segment helpers that the
 * softmax, cross-entropy and layer-norm kernels share.
 *
 * Segments: a 64-invocation workgroup holds 64 / L rows, each handled by L
 * lanes (L a power of two from {@link rowLanes}). Lane `l` walks the row's
 * elements l, l + L, l + 2L, … sequentially, then the L partial results
 * combine in a shared-memory tree of log₂L levels. With L = 1 the helpers
 * compile without barriers ({@link segmentWgsl}).
 *
 * Software adapters bound the loop iterations of one invocation: Mesa
 * llvmpipe/lavapipe (LLVM 15) silently stops every loop once an invocation
 * has run about 65,535 iterations in total. So no lane takes more than
 * {@link LANE_BUDGET} elements per pass: long rows get more lanes, and
 * reductions of more than {@link MAX_ROW} elements run in several passes
 * (chunks of MAX_ROW, then the chunk results); see {@link reducePlan}.
 *
 * Programs (segmented ones take the size `oneLane`, true when L = 1):
 * - {@link REDUCE_SUM}: uniforms {rows, n, inner, lanes, chunk, chunks, scale};
 *   bindings `xs`, `out`. Row r = (o, q, i) of [outer, chunks, inner] sums
 *   x[o, q·chunk + j, i] for j < min(chunk, n − q·chunk), times scale.
 *   Grid: ceil(rows·L / 64) workgroups, tiled.
 * - {@link REDUCE_MAX} / {@link REDUCE_MAX_NEXT}: same uniforms; bindings `xs`
 *   (and `idx_in`, the index of each value in the original row, for the `next`
 *   passes), then `out` (values) and `idx_out` (u32 indices): the first
 *   maximum (lowest index) and where it is.
 * - {@link REDUCE_SUM_BACKWARD}: elementwise, uniforms {size, n, inner, scale},
 *   bindings `gs` (g), `gx`: gx[o, j, i] = scale·g[o, i]. Grid: ceil(size / 64).
 * - {@link REDUCE_MAX_BACKWARD}: elementwise, same uniforms, bindings `arg`
 *   (the argmax), `gs`, `gx`: gx[o, j, i] = g[o, i] where j = argmax[o, i], else 0.
 *
 * Accuracy: sum is class T3 with rounding-path length
 * {@link reducePathLength}: per pass ceil(len / L) + log₂L (a term meets at
 * most ceil(len/L) − 1 in-lane additions, one from the zero start, and log₂L
 * tree additions), summed over passes; the scale adds one product rounding
 * (exact for a scale of 1). max and both backwards of sum's scale 1 are
 * exact. Non-finite inputs: WGSL lets implementations assume no NaN or
 * infinity, so rows holding them give unspecified results.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup of every kernel here. */
export const REDUCE_WORKGROUP = 64;
/** Most lanes per row. */
export const MAX_LANES = 64;
/** Most elements one lane takes in one pass over its row (see the loop bound above). */
export const LANE_BUDGET = 8192;
/** Longest row one pass reduces: MAX_LANES · LANE_BUDGET = 524,288. */
export const MAX_ROW = MAX_LANES * LANE_BUDGET;
/** Lanes are added while fewer than this many invocations would work. */
const MIN_INVOCATIONS = 64;
/** …and while each lane would keep at least this many elements. */
const MIN_PER_LANE = 16;

/**
 * Lanes per row for `rows` rows of `n` elements: the smallest power of two
 * that keeps each lane within {@link LANE_BUDGET} and, when rows are few,
 * puts at least 64 invocations to work with ≥ 16 elements each; at most 64.
 * On llvmpipe fewer lanes always measured faster (barriers are costly
 * there); the floor of 64 invocations keeps single-row reductions parallel.
 */
export function rowLanes(rows: number, n: number): number {
  let lanes = 1;
  while (
    lanes < MAX_LANES &&
    (n > lanes * LANE_BUDGET ||
      (rows * lanes < MIN_INVOCATIONS && n >= 2 * lanes * MIN_PER_LANE))
  ) lanes *= 2;
  return lanes;
}

/** Rounding-path length of one segmented sum of `n` terms over `lanes` lanes. */
export function segmentPathLength(n: number, lanes: number): number {
  return Math.ceil(n / lanes) + Math.log2(lanes);
}

/** Workgroups for `rows` rows handled by `lanes` lanes each. */
export function segmentWorkgroups(rows: number, lanes: number): number {
  return Math.ceil((rows * lanes) / REDUCE_WORKGROUP);
}

/**
 * WGSL helpers shared by the segmented row kernels: `Seg` (row, lane, whether
 * the row exists), `seg_of`, `seg_sum`, `seg_max` and `seg_argmax`. Every
 * invocation of a workgroup must call the collective helpers (they hold
 * barriers), so kernels guard loads with `s.live` instead of returning early;
 * only a whole workgroup past the last row may return (a uniform condition).
 * With `oneLane` the helpers are identities and hold no barrier.
 */
export function segmentWgsl(oneLane: boolean): string {
  const common = `
const WG: u32 = ${REDUCE_WORKGROUP}u;
const NONE: u32 = 0xffffffffu;

struct Seg { row: u32, lane: u32, live: bool, first_row: u32 }

// The segment of invocation lid of linear workgroup wg.
fn seg_of(wg: u32, lid: u32, lanes: u32, rows: u32) -> Seg {
  let first_row = wg * (WG / lanes);
  let row = first_row + lid / lanes;
  return Seg(row, lid % lanes, row < rows, first_row);
}

// Whether candidate (v2, j2) beats (v1, j1): a larger value, or an equal one at
// a smaller index; NONE marks an empty candidate.
fn arg_better(v1: f32, j1: u32, v2: f32, j2: u32) -> bool {
  if (j2 == NONE) { return false; }
  if (j1 == NONE) { return true; }
  return v2 > v1 || (v2 == v1 && j2 < j1);
}

struct Arg { v: f32, j: u32 }
`;
  if (oneLane) {
    return `${common}
fn seg_sum(lid: u32, lane: u32, lanes: u32, v: f32) -> f32 { return v; }
fn seg_max(lid: u32, lane: u32, lanes: u32, v: f32) -> f32 { return v; }
fn seg_argmax(lid: u32, lane: u32, lanes: u32, a: Arg) -> Arg { return a; }
`;
  }
  return `${common}
var<workgroup> seg_f: array<f32, ${REDUCE_WORKGROUP}>;
var<workgroup> seg_i: array<u32, ${REDUCE_WORKGROUP}>;

// Sum of v over the segment's lanes (a tree of log2(lanes) levels).
fn seg_sum(lid: u32, lane: u32, lanes: u32, v: f32) -> f32 {
  seg_f[lid] = v;
  workgroupBarrier();
  var s = lanes >> 1u;
  loop {
    if (s == 0u) { break; }
    if (lane < s) { seg_f[lid] = seg_f[lid] + seg_f[lid + s]; }
    workgroupBarrier();
    s = s >> 1u;
  }
  let total = seg_f[lid - lane];
  workgroupBarrier();
  return total;
}

// Maximum of v over the segment's lanes.
fn seg_max(lid: u32, lane: u32, lanes: u32, v: f32) -> f32 {
  seg_f[lid] = v;
  workgroupBarrier();
  var s = lanes >> 1u;
  loop {
    if (s == 0u) { break; }
    if (lane < s) { seg_f[lid] = max(seg_f[lid], seg_f[lid + s]); }
    workgroupBarrier();
    s = s >> 1u;
  }
  let m = seg_f[lid - lane];
  workgroupBarrier();
  return m;
}

// The first maximum over the segment, given each lane's own.
fn seg_argmax(lid: u32, lane: u32, lanes: u32, a: Arg) -> Arg {
  seg_f[lid] = a.v;
  seg_i[lid] = a.j;
  workgroupBarrier();
  var s = lanes >> 1u;
  loop {
    if (s == 0u) { break; }
    if (lane < s && arg_better(seg_f[lid], seg_i[lid], seg_f[lid + s], seg_i[lid + s])) {
      seg_f[lid] = seg_f[lid + s];
      seg_i[lid] = seg_i[lid + s];
    }
    workgroupBarrier();
    s = s >> 1u;
  }
  let best = Arg(seg_f[lid - lane], seg_i[lid - lane]);
  workgroupBarrier();
  return best;
}
`;
}

/**
 * The start of a segmented kernel's `main`: defines `s` (its Seg); a workgroup
 * wholly past the last row returns. Needs uniforms `lanes` and `rows`.
 */
export const SEGMENT_MAIN = `let s = seg_of(wg, lid, p.lanes, p.rows);
  if (s.first_row >= p.rows) { return; }`;

/** Compile-time sizes of a segmented kernel: whether rows have one lane (no barriers). */
export interface SegmentSizes extends Record<string, boolean> {
  /**
   * True when each row has one lane (L = 1, see {@link rowLanes}): the segment helpers
   * then compile as identities, without shared memory or barriers.
   */
  oneLane: boolean;
}

/** Uniforms of one reduction pass. */
const PASS_UNIFORMS = {
  rows: "u32",
  n: "u32",
  inner: "u32",
  lanes: "u32",
  chunk: "u32",
  chunks: "u32",
  scale: "f32",
} as const;

// Row r = (o, q, i) of [outer, chunks, inner]: its first element and length.
const PASS_ROW = `
  let i = s.row % p.inner;
  let t = s.row / p.inner;
  let q = t % p.chunks;
  let base = ((t / p.chunks) * p.n + q * p.chunk) * p.inner + i;
  let count = select(0u, min(p.chunk, p.n - q * p.chunk), s.live);`;

/** One pass of the sum reduction. */
export const REDUCE_SUM: Program<SegmentSizes> = defineProgram<SegmentSizes>({
  name: "reduce_sum",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: PASS_UNIFORMS,
  bindings: { xs: { access: "read" }, out: { access: "read_write" } },
  helpers: (s) => segmentWgsl(s.oneLane),
  main: () =>
    `${SEGMENT_MAIN}${PASS_ROW}
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += xs[base + j * p.inner]; }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  if (s.live && s.lane == 0u) { out[s.row] = total * p.scale; }`,
});

/** One pass of the max reduction; `next` marks a pass over earlier (value, index) results. */
function reduceMaxProgram(next: boolean): Program<SegmentSizes> {
  const index = next ? "idx_in[base + j * p.inner]" : "q * p.chunk + j";
  return defineProgram<SegmentSizes>({
    name: next ? "reduce_max_next" : "reduce_max",
    workgroupSize: REDUCE_WORKGROUP,
    uniforms: PASS_UNIFORMS,
    bindings: next
      ? {
        xs: { access: "read" },
        idx_in: { access: "read", type: "u32" },
        out: { access: "read_write" },
        idx_out: { access: "read_write", type: "u32" },
      }
      : {
        xs: { access: "read" },
        out: { access: "read_write" },
        idx_out: { access: "read_write", type: "u32" },
      },
    helpers: (s) => segmentWgsl(s.oneLane),
    // Within a lane, indices rise in a first pass (strictly greater replaces,
    // so the lowest index wins) but not necessarily in later passes, so those
    // compare with arg_better.
    main: () =>
      `${SEGMENT_MAIN}${PASS_ROW}
  var best = Arg(0.0, NONE);
  for (var j = s.lane; j < count; j += p.lanes) {
    let cand = Arg(xs[base + j * p.inner], ${index});
    if (arg_better(best.v, best.j, cand.v, cand.j)) { best = cand; }
  }
  let top = seg_argmax(lid, s.lane, p.lanes, best);
  if (s.live && s.lane == 0u) {
    out[s.row] = top.v;
    idx_out[s.row] = top.j;
  }`,
  });
}

/** The first pass of the max reduction (indices from the row position). */
export const REDUCE_MAX: Program<SegmentSizes> = reduceMaxProgram(false);
/** A later pass of the max reduction (indices carried in `idx_in`). */
export const REDUCE_MAX_NEXT: Program<SegmentSizes> = reduceMaxProgram(true);

const BACKWARD_UNIFORMS = { size: "u32", n: "u32", inner: "u32", scale: "f32" } as const;

const BACKWARD_INDEX = `let e = wg * ${REDUCE_WORKGROUP}u + lid;
  if (e >= p.size) { return; }
  let i = e % p.inner;
  let t = e / p.inner;
  let r = (t / p.n) * p.inner + i;`;

/** Backward of sum/mean, elementwise over x: `scale·g` broadcast. */
export const REDUCE_SUM_BACKWARD: Program = defineProgram({
  name: "reduce_sum_backward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: BACKWARD_UNIFORMS,
  bindings: { gs: { access: "read" }, gx: { access: "read_write" } },
  main: () =>
    `${BACKWARD_INDEX}
  gx[e] = gs[r] * p.scale;`,
});

/** Backward of max, elementwise over x: g routed to the argmax. */
export const REDUCE_MAX_BACKWARD: Program = defineProgram({
  name: "reduce_max_backward",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: BACKWARD_UNIFORMS,
  bindings: {
    arg: { access: "read", type: "u32" },
    gs: { access: "read" },
    gx: { access: "read_write" },
  },
  main: () =>
    `${BACKWARD_INDEX}
  gx[e] = select(0.0, gs[r], t % p.n == arg[r]);`,
});

/** A reduction of [outer, n, inner] along n. */
export interface RowGeometry {
  /** Product of the dims before the reduced axis (1 when it is the first). */
  outer: number;
  /** Length of the reduced axis. */
  n: number;
  /** Product of the dims after the reduced axis: the element stride along it (1 when last). */
  inner: number;
}

/** One pass: reduces [outer, n, inner] to [outer, chunks, inner] in rows of `chunk`. */
export interface ReducePass {
  /** Length of the axis this pass reduces: the original n, then the previous pass's `chunks`. */
  n: number;
  /** Elements each row sums: n, capped at {@link MAX_ROW} (0 for an empty axis). */
  chunk: number;
  /** Rows per (outer, inner) position, ceil(n / chunk), 1 for an empty axis: the length left. */
  chunks: number;
  /** Rows of the pass, outer · chunks · inner: one output each. */
  rows: number;
  /** Lanes per row, a power of two from {@link rowLanes}. */
  lanes: number;
}

/**
 * The passes that reduce `geo`: one unless n > {@link MAX_ROW}, then chunks
 * of MAX_ROW first and their results next.
 *
 * @example A row of 600,000 elements: two chunks, then a pass over the 2 partial sums
 * ```ts
 * import { reducePlan } from "./reduce.ts";
 * import { deepStrictEqual } from "node:assert/strict";
 * const plan = reducePlan({ outer: 1, n: 600_000, inner: 1 });
 * deepStrictEqual(plan.map((p) => [p.chunk, p.chunks, p.lanes]), [[524288, 2, 64], [2, 1, 1]]);
 * ```
 */
export function reducePlan(geo: RowGeometry): ReducePass[] {
  const passes: ReducePass[] = [];
  let n = geo.n;
  for (;;) {
    const chunk = n > MAX_ROW ? MAX_ROW : n;
    const chunks = chunk === 0 ? 1 : Math.ceil(n / chunk);
    const rows = geo.outer * chunks * geo.inner;
    passes.push({ n, chunk, chunks, rows, lanes: rowLanes(rows, chunk) });
    if (chunks === 1) return passes;
    n = chunks;
  }
}

/**
 * The longest chain of roundings any term of a sum over `geo` passes
 * through, over all passes (the scale's product rounding not included).
 */
export function reducePathLength(geo: RowGeometry): number {
  return reducePlan(geo).reduce((k, pass) => k + segmentPathLength(pass.chunk, pass.lanes), 0);
}
