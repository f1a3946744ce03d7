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
 * - `reduce_sum`: bindings 0 uniform {rows, n, inner, lanes, chunk, chunks,
 *   scale}, 1 x, 2 out. Row r = (o, q, i) of [outer, chunks, inner] sums
 *   x[o, q·chunk + j, i] for j < min(chunk, n − q·chunk), times scale.
 *   Grid: ceil(rows·L / 64) workgroups, tiled.
 * - `reduce_max` / `reduce_max_next`: same uniform, 1 x (and 2 the index of
 *   each value in the original row for the `next` passes), then values and
 *   u32 indices out: the first maximum (lowest index) and where it is.
 * - `reduce_sum_backward`: elementwise, 0 uniform {size, n, inner, scale},
 *   1 g, 2 gx: gx[o, j, i] = scale·g[o, i]. Grid: ceil(size / 64).
 * - `reduce_max_backward`: elementwise, 0 uniform, 1 argmax, 2 g, 3 gx:
 *   gx[o, j, i] = g[o, i] where j = argmax[o, i], else 0.
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
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";
import { launch } from "../../gpu/batch.ts";
import { createStorageBuffer, releaseBuffer } from "../../gpu/buffers.ts";

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
 * WGSL shared by the segmented row kernels: `Seg` (row, lane, whether the row
 * exists), `seg_of`, `seg_sum`, `seg_max` and `seg_argmax`. Every invocation
 * of a workgroup must call the collective helpers (they hold barriers), so
 * kernels guard loads with `s.live` instead of returning early; only a whole
 * workgroup past the last row may return (a uniform condition). With
 * `oneLane` the helpers are identities and hold no barrier.
 */
export function segmentWgsl(oneLane: boolean): string {
  const common = `${WGSL_LINEAR_WORKGROUP}
const WG: u32 = ${REDUCE_WORKGROUP}u;
const NONE: u32 = 0xffffffffu;

struct Seg { row: u32, lane: u32, live: bool, first_row: u32 }

fn seg_of(wid: vec3u, nwg: vec3u, lid: u32, lanes: u32, rows: u32) -> Seg {
  let first_row = linear_workgroup(wid, nwg) * (WG / lanes);
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

/** The entry point header of a segmented kernel; defines `s` (its Seg) and `lid`. */
export const SEGMENT_ENTRY = `@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let s = seg_of(wid, nwg, lid, p.lanes, p.rows);
  if (s.first_row >= p.rows) { return; }`;

const PASS_PARAMS = `
struct Params { rows: u32, n: u32, inner: u32, lanes: u32, chunk: u32, chunks: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

// Row r = (o, q, i) of [outer, chunks, inner]: its first element and length.
const PASS_ROW = `
  let i = s.row % p.inner;
  let t = s.row / p.inner;
  let q = t % p.chunks;
  let base = ((t / p.chunks) * p.n + q * p.chunk) * p.inner + i;
  let count = select(0u, min(p.chunk, p.n - q * p.chunk), s.live);`;

/** One pass of the sum or max reduction; `next` marks a max pass over earlier (value, index) results. */
export function reducePassWgsl(op: "sum" | "max", next: boolean, oneLane: boolean): string {
  const head = `${PASS_PARAMS}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
${segmentWgsl(oneLane)}`;
  if (op === "sum") {
    return `${head}
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${SEGMENT_ENTRY}${PASS_ROW}
  var acc = 0.0;
  for (var j = s.lane; j < count; j += p.lanes) { acc += xs[base + j * p.inner]; }
  let total = seg_sum(lid, s.lane, p.lanes, acc);
  if (s.live && s.lane == 0u) { out[s.row] = total * p.scale; }
}
`;
  }
  const index = next ? "idx_in[base + j * p.inner]" : "q * p.chunk + j";
  const bindings = next
    ? `@group(0) @binding(2) var<storage, read> idx_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> idx_out: array<u32>;`
    : `@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx_out: array<u32>;`;
  // Within a lane, indices rise in a first pass (strictly greater replaces,
  // so the lowest index wins) but not necessarily in later passes, so those
  // compare with arg_better.
  return `${head}
${bindings}
${SEGMENT_ENTRY}${PASS_ROW}
  var best = Arg(0.0, NONE);
  for (var j = s.lane; j < count; j += p.lanes) {
    let cand = Arg(xs[base + j * p.inner], ${index});
    if (arg_better(best.v, best.j, cand.v, cand.j)) { best = cand; }
  }
  let top = seg_argmax(lid, s.lane, p.lanes, best);
  if (s.live && s.lane == 0u) {
    out[s.row] = top.v;
    idx_out[s.row] = top.j;
  }
}
`;
}

const BACKWARD_HEAD = `
struct Params { size: u32, n: u32, inner: u32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
${WGSL_LINEAR_WORKGROUP}`;

const BACKWARD_ENTRY = `@compute @workgroup_size(${REDUCE_WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let e = linear_workgroup(wid, nwg) * ${REDUCE_WORKGROUP}u + lid;
  if (e >= p.size) { return; }
  let i = e % p.inner;
  let t = e / p.inner;
  let r = (t / p.n) * p.inner + i;`;

/** Backward, elementwise over x: sum/mean broadcast `scale·g`; max routes g to the argmax. */
export function reduceBackwardWgsl(op: "sum" | "max"): string {
  if (op === "sum") {
    return `${BACKWARD_HEAD}
@group(0) @binding(1) var<storage, read> gs: array<f32>;
@group(0) @binding(2) var<storage, read_write> gx: array<f32>;
${BACKWARD_ENTRY}
  gx[e] = gs[r] * p.scale;
}
`;
  }
  return `${BACKWARD_HEAD}
@group(0) @binding(1) var<storage, read> arg: array<u32>;
@group(0) @binding(2) var<storage, read> gs: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
${BACKWARD_ENTRY}
  gx[e] = select(0.0, gs[r], t % p.n == arg[r]);
}
`;
}

/** A reduction of [outer, n, inner] along n. */
export interface RowGeometry {
  outer: number;
  n: number;
  inner: number;
}

/** One pass: reduces [outer, n, inner] to [outer, chunks, inner] in rows of `chunk`. */
export interface ReducePass {
  n: number;
  chunk: number;
  chunks: number;
  rows: number;
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

/** A scratch u32/f32 buffer of `count` elements, released by the caller. */
function scratch(count: number, label: string): GPUBuffer {
  return createStorageBuffer(count * 4, label);
}

/**
 * Records the passes reducing `x` over `geo` into `out` (outer·inner values):
 * op "sum" writes scale·Σ; op "max" writes the first maximum, and its index
 * along n into `argOut` when given.
 */
export function recordReduce(
  op: "sum" | "max",
  x: GPUBuffer,
  out: GPUBuffer,
  geo: RowGeometry,
  options: { scale?: number; argOut?: GPUBuffer } = {},
): void {
  const passes = reducePlan(geo);
  let src = x;
  let srcIdx: GPUBuffer | null = null;
  const temps: GPUBuffer[] = [];
  passes.forEach((pass, k) => {
    const last = k === passes.length - 1;
    const dst = last ? out : scratch(pass.rows, `reduce_${op} partials`);
    if (!last) temps.push(dst);
    let dstIdx: GPUBuffer | null = null;
    if (op === "max") {
      dstIdx = last && options.argOut ? options.argOut : scratch(pass.rows, "reduce_max index");
      if (dstIdx !== options.argOut) temps.push(dstIdx);
    }
    const buffers = op === "sum"
      ? [src, dst]
      : srcIdx === null
      ? [src, dst, dstIdx!]
      : [src, srcIdx, dst, dstIdx!];
    launch({
      name: `reduce_${op}${srcIdx === null ? "" : "_next"}`,
      code: reducePassWgsl(op, srcIdx !== null, pass.lanes === 1),
      uniforms: [
        pass.rows,
        pass.n,
        geo.inner,
        pass.lanes,
        pass.chunk,
        pass.chunks,
        { f32: last ? options.scale ?? 1 : 1 },
      ],
      buffers,
      workgroups: segmentWorkgroups(pass.rows, pass.lanes),
    });
    src = dst;
    srcIdx = dstIdx;
  });
  for (const t of temps) releaseBuffer(t);
}

/**
 * Records the elementwise backward over x of shape `geo`: for "sum",
 * `buffers` = [g, gx] and gx = scale·g; for "max", [argmax, g, gx].
 */
export function recordReduceBackward(
  op: "sum" | "max",
  buffers: readonly GPUBuffer[],
  geo: RowGeometry,
  scale = 1,
): void {
  const size = geo.outer * geo.n * geo.inner;
  launch({
    name: `reduce_${op}_backward`,
    code: reduceBackwardWgsl(op),
    uniforms: [size, geo.n, geo.inner, { f32: scale }],
    buffers,
    workgroups: Math.ceil(size / REDUCE_WORKGROUP),
  });
}
