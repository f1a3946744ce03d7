/**
 * Kernels of `embedding` (a row gather) and of its backward, a deterministic
 * scatter-add without float atomics: the (id, position) pairs are sorted, so
 * the positions of each id form one contiguous run in increasing position
 * order, and one invocation per table element sums its run sequentially.
 * Every run is summed in the same order on every device and every call.
 *
 * Out-of-range ids (id < 0 or id ≥ V) read as a zero row and receive no
 * gradient: an op cannot check ids on the host without a sync.
 *
 * Programs (all with grids of ceil(count / 64) workgroups, tiled past 65,535):
 * - {@link EMBEDDING_FORWARD}: `out[n·D + d] = table[ids[n]·D + d]`, or 0 when ids[n] is
 *   out of range. Uniforms {n = N·D, dim = D, vocab = V}; bindings `table`, `ids` (i32),
 *   `out`. Class T0 (u32 copies: exact).
 * - {@link EMBEDDING_KEYS}: `keys[t] = (ids[t] in range ? ids[t] : SENTINEL, t)` for t < P,
 *   padding t ≥ N with the sentinel; P is N rounded up to a power of two.
 *   Uniforms {n = N, count = P, vocab = V}; bindings `ids`, `keys` (vec2u).
 * - {@link BITONIC_STEP}: one compare-exchange pass (block k, distance j) of a
 *   bitonic sort of the keys, ascending by (id, position). Keys are distinct, so
 *   the sorted order is unique. Uniforms {n = P/2, j, k}; binding `keys`.
 * - {@link EMBEDDING_BOUNDS}: `bounds[2v], bounds[2v + 1]` = the run [start, end) of id v
 *   in the sorted keys (both 0 for an absent id: the buffer starts zeroed). Each run's
 *   first and last element write their own slot, so no two invocations write one word.
 *   Uniform {n = N}; bindings `keys`, `bounds`.
 * - {@link EMBEDDING_ROW_SUMS}: `grad[v·D + d] = Σ_{k in run v} g[pos_k·D + d]`, summed in
 *   increasing position, starting from the first term. Class T3 with k = c_v − 1
 *   roundings for an id that occurs c_v times (exact for ids seen once).
 *   Uniforms {n = V·D, dim = D, k0, k1}; bindings `keys`, `bounds`, `gs` the output
 *   gradient, `grad`.
 *
 * @module
 */
import { defineProgram, type Program } from "../../gpu/program.ts";

/** Invocations per workgroup of every embedding kernel. */
export const GATHER_WORKGROUP = 64;
const WG = GATHER_WORKGROUP;

/** The key of padding and of out-of-range ids: sorts after every valid id. */
export const SENTINEL = 0xffffffff;

/** The invocation's element `t`; invocations past `bound` return. */
const entry = (bound: string) =>
  `let t = wg * ${WG}u + lid;
  if (t >= ${bound}) { return; }`;

/** The gather. */
export const EMBEDDING_FORWARD: Program = defineProgram({
  name: "embedding",
  workgroupSize: WG,
  uniforms: { n: "u32", dim: "u32", vocab: "u32" },
  bindings: {
    table: { access: "read", type: "u32" },
    ids: { access: "read", type: "i32" },
    out: { access: "read_write", type: "u32" },
  },
  main: () =>
    `${entry("p.n")}
  let row = t / p.dim;
  let col = t % p.dim;
  let id = ids[row];
  if (id >= 0 && u32(id) < p.vocab) {
    out[t] = table[u32(id) * p.dim + col];
  } else {
    out[t] = 0u;
  }`,
});

/** Builds the sort keys. */
export const EMBEDDING_KEYS: Program = defineProgram({
  name: "embedding_keys",
  workgroupSize: WG,
  uniforms: { n: "u32", count: "u32", vocab: "u32" },
  bindings: {
    ids: { access: "read", type: "i32" },
    keys: { access: "read_write", type: "vec2u" },
  },
  main: () =>
    `${entry("p.count")}
  var key = ${SENTINEL}u;
  if (t < p.n) {
    let id = ids[t];
    if (id >= 0 && u32(id) < p.vocab) { key = u32(id); }
  }
  keys[t] = vec2u(key, t);`,
});

/** One bitonic compare-exchange pass. */
export const BITONIC_STEP: Program = defineProgram({
  name: "embedding_bitonic_step",
  workgroupSize: WG,
  uniforms: { n: "u32", j: "u32", k: "u32" },
  bindings: { keys: { access: "read_write", type: "vec2u" } },
  main: () =>
    `${entry("p.n")}
  let i = (t / p.j) * 2u * p.j + t % p.j;
  let l = i + p.j;
  let a = keys[i];
  let b = keys[l];
  let ascending = (i & p.k) == 0u;
  let greater = a.x > b.x || (a.x == b.x && a.y > b.y);
  if (greater == ascending) {
    keys[i] = b;
    keys[l] = a;
  }`,
});

/** Finds each id's run in the sorted keys. */
export const EMBEDDING_BOUNDS: Program = defineProgram({
  name: "embedding_bounds",
  workgroupSize: WG,
  uniforms: { n: "u32" },
  bindings: {
    keys: { access: "read", type: "vec2u" },
    bounds: { access: "read_write", type: "u32" },
  },
  main: () =>
    `${entry("p.n")}
  let key = keys[t].x;
  if (key == ${SENTINEL}u) { return; }
  // Valid keys fill slots [0, M) with M <= n; every slot past them holds the sentinel.
  if (t == 0u || keys[t - 1u].x != key) { bounds[2u * key] = t; }
  if (t + 1u >= p.n || keys[t + 1u].x != key) { bounds[2u * key + 1u] = t + 1u; }`,
});

/**
 * Sums each id's run of output-gradient rows, offsets [k0, k1) of the run per
 * launch: the runner splits long runs (`steps` = N, the longest possible run)
 * over several launches so no invocation loops past the adapter's budget.
 * Each launch continues from the running sum in `grad` (zero-initialised), so
 * the order of additions, and hence the rounding, is that of one sequential sum.
 */
export const EMBEDDING_ROW_SUMS: Program = defineProgram({
  name: "embedding_row_sums",
  workgroupSize: WG,
  uniforms: { n: "u32", dim: "u32", k0: "u32", k1: "u32" },
  bindings: {
    keys: { access: "read", type: "vec2u" },
    bounds: { access: "read", type: "u32" },
    gs: { access: "read" },
    grad: { access: "read_write" },
  },
  main: () =>
    `${entry("p.n")}
  let v = t / p.dim;
  let col = t % p.dim;
  let start = bounds[2u * v];
  let end = bounds[2u * v + 1u];
  if (start >= end || start + p.k0 >= end) { return; }
  var acc = grad[t];
  let stop = min(end, start + p.k1);
  for (var k = start + p.k0; k < stop; k++) {
    acc += gs[keys[k].y * p.dim + col];
  }
  grad[t] = acc;`,
  // The run loop: k1 − k0 iterations plus its exit check.
  loopIterations: (_s, steps) => steps + 1,
  split: { begin: "k0", end: "k1" },
});
