/**
 * Top-k along one axis of a tensor viewed as [outer, n, inner], by k rounds
 * of a segmented parallel argmax: row (o, i) is handled by L lanes (L from
 * `rowLanes`, as the reductions of ./reduce.ts: one lane per row when rows are
 * many, up to a whole 64-invocation workgroup per row when they are few).
 * Round r selects, among the row's elements that come strictly after the
 * element selected in round r − 1 in the total order "larger value first,
 * ties to the lower index" (`arg_better` of ./reduce.ts), the first in that
 * order: each lane scans its strided elements, then the lanes combine with
 * `seg_argmax` (a shared-memory tree of log₂L levels). So the k outputs come
 * sorted descending with ties to the lower index, by construction.
 *
 * Why k rounds of parallel max rather than a bitonic sort: it needs no copy
 * of the row in workgroup memory (16 KiB holds 2,048 value–index pairs, so a
 * sort would cap the row), works for any row up to MAX_ROW elements, costs
 * k·ceil(n/L) loads and k·log₂L barrier levels per row — for top-32 of 1,200
 * that is 32 strided passes of ≤ 38 loads per lane — where a bitonic sort of
 * the row padded to 2,048 runs 66 compare–exchange stages over all of it
 * whatever k is, and it needs no tie rule beyond the order's comparison.
 *
 * - {@link TOPK}: uniforms {rows, n, inner, lanes, k, r0, r1}; bindings `xs`
 *   (x), `vals` (values, [outer, k, inner]), `idx_out` (i32 indices, same
 *   layout). Runs rounds [r0, r1); a launch starting at r0 > 0 resumes from
 *   the index written in round r0 − 1, so the rounds split over launches
 *   within the loop budget (the `split` of impl/gpu/program.ts).
 *   Grid: ceil(rows·L / 64) workgroups, tiled.
 * - {@link TOPK_SCATTER}: backward of the values, one invocation per output
 *   element: gx[o, idx, i] = g[o, r, i] (indices in a row are distinct, so no
 *   two invocations write one element; the rest of gx stays 0). Uniforms
 *   {size, k, n, inner}; bindings `idx`, `gs`, `gx`. Grid: ceil(size / 64).
 *
 * Accuracy: a selection (class T0): values and gradients are exact copies.
 * NaN inputs give unspecified results (WGSL's finite-math assumption).
 *
 * Sizes: `oneLane` (L = 1: no barriers) and `laneCap`, a multiple of 64 ≥
 * ceil(n/L) that bounds one round's loop count for the budget (the WGSL does
 * not depend on it; every value compiles to the same pipeline).
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";
import { REDUCE_WORKGROUP, SEGMENT_MAIN, segmentWgsl } from "./reduce.ts";

/** Compile-time sizes of {@link TOPK}. */
export interface TopkSizes extends Record<string, boolean | number> {
  /** One lane per row (no barriers). */
  oneLane: boolean;
  /** A multiple of 64 ≥ ceil(n / lanes): one lane's loads per round, for the loop budget. */
  laneCap: number;
}

/** Loop-header evaluations of one invocation running `rounds` rounds. */
export function topkLoopIterations(s: TopkSizes, rounds: number): number {
  // Per round: the strided scan (laneCap + 1), seg_argmax's tree (log₂64 + 1), the round itself.
  return rounds * (s.laneCap + 1 + Math.log2(REDUCE_WORKGROUP) + 1 + 1) + 1;
}

/** k rounds of segmented argmax (rounds [r0, r1) per launch). */
export const TOPK: Program<TopkSizes> = defineProgram<TopkSizes>({
  name: "topk",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: {
    rows: "u32",
    n: "u32",
    inner: "u32",
    lanes: "u32",
    k: "u32",
    r0: "u32",
    r1: "u32",
  },
  bindings: {
    xs: { access: "read" },
    vals: { access: "read_write" },
    idx_out: { access: "read_write", type: "i32" },
  },
  helpers: (s) => segmentWgsl(s.oneLane),
  loopIterations: topkLoopIterations,
  split: { begin: "r0", end: "r1" },
  main: () =>
    `${SEGMENT_MAIN}
  let i = s.row % p.inner;
  let o = s.row / p.inner;
  let base = o * p.n * p.inner + i;
  let obase = o * p.k * p.inner + i;
  let count = select(0u, p.n, s.live);
  var prev = Arg(0.0, NONE);
  if (p.r0 > 0u && s.live) {
    let pj = u32(idx_out[obase + (p.r0 - 1u) * p.inner]);
    prev = Arg(xs[base + pj * p.inner], pj);
  }
  for (var r = p.r0; r < p.r1; r++) {
    var best = Arg(0.0, NONE);
    for (var j = s.lane; j < count; j += p.lanes) {
      let cand = Arg(xs[base + j * p.inner], j);
      // Only elements strictly after the previous selection in the order compete.
      let after = prev.j == NONE || arg_better(cand.v, cand.j, prev.v, prev.j);
      if (after && arg_better(best.v, best.j, cand.v, cand.j)) { best = cand; }
    }
    let top = seg_argmax(lid, s.lane, p.lanes, best);
    if (s.live && s.lane == 0u) {
      vals[obase + r * p.inner] = top.v;
      idx_out[obase + r * p.inner] = i32(top.j);
    }
    prev = top;
  }`,
});

/** Backward of top-k values: the output gradient scattered to the selected positions. */
export const TOPK_SCATTER: Program = defineProgram({
  name: "topk_scatter",
  workgroupSize: REDUCE_WORKGROUP,
  uniforms: { size: "u32", k: "u32", n: "u32", inner: "u32" },
  bindings: {
    idx: { access: "read", type: "i32" },
    gs: { access: "read" },
    gx: { access: "read_write" },
  },
  main: () =>
    `let e = wg * ${REDUCE_WORKGROUP}u + lid;
  if (e >= p.size) { return; }
  let i = e % p.inner;
  let o = (e / p.inner) / p.k;
  let j = u32(idx[e]);
  gx[(o * p.n + j) * p.inner + i] = gs[e];`,
});
