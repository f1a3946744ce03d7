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
 * Kernels (all with grids of ceil(count / 64) workgroups, tiled past 65,535):
 * - `EMBEDDING_FORWARD_WGSL`: `out[n·D + d] = table[ids[n]·D + d]`, or 0 when ids[n] is out of range.
 *   Bindings: 0 uniform {n = N·D, dim = D, vocab = V}, 1 table, 2 ids (i32), 3 out.
 *   Class T0 (u32 copies: exact).
 * - `EMBEDDING_KEYS_WGSL`: `keys[t] = (ids[t] in range ? ids[t] : SENTINEL, t)` for t < P,
 *   padding t ≥ N with the sentinel; P is N rounded up to a power of two.
 *   Bindings: 0 uniform {n = N, count = P, vocab = V}, 1 ids, 2 keys (vec2u).
 * - `BITONIC_STEP_WGSL`: one compare-exchange pass (block k, distance j) of a
 *   bitonic sort of the keys, ascending by (id, position). Keys are distinct, so
 *   the sorted order is unique. Bindings: 0 uniform {half = P/2, j, k}, 1 keys.
 * - `EMBEDDING_BOUNDS_WGSL`: `bounds[2v], bounds[2v + 1]` = the run [start, end) of id v
 *   in the sorted keys (both 0 for an absent id: the buffer starts zeroed). Each run's
 *   first and last element write their own slot, so no two invocations write one word.
 *   Bindings: 0 uniform {n = N}, 1 keys, 2 bounds.
 * - `EMBEDDING_ROW_SUMS_WGSL`: `grad[v·D + d] = Σ_{k in run v} g[pos_k·D + d]`, summed in
 *   increasing position, starting from the first term. Class T3 with k = c_v − 1
 *   roundings for an id that occurs c_v times (exact for ids seen once).
 *   Bindings: 0 uniform {n = V·D, dim = D}, 1 keys, 2 bounds, 3 g, 4 grad.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../gpu/grid.ts";

/** Invocations per workgroup of every embedding kernel. */
export const GATHER_WORKGROUP = 64;
const WG = GATHER_WORKGROUP;

/** The key of padding and of out-of-range ids: sorts after every valid id. */
export const SENTINEL = 0xffffffff;

const MAIN = `${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let t = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (t >= p.n) { return; }`;

/** WGSL of the gather. */
export const EMBEDDING_FORWARD_WGSL = `
struct Params { n: u32, dim: u32, vocab: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
${MAIN}
  let row = t / p.dim;
  let col = t % p.dim;
  let id = ids[row];
  if (id >= 0 && u32(id) < p.vocab) {
    out[t] = table[u32(id) * p.dim + col];
  } else {
    out[t] = 0u;
  }
}
`;

/** WGSL building the sort keys. */
export const EMBEDDING_KEYS_WGSL = `
struct Params { n: u32, count: u32, vocab: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> keys: array<vec2u>;
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let t = linear_workgroup(wid, nwg) * ${WG}u + lid;
  if (t >= p.count) { return; }
  var key = ${SENTINEL}u;
  if (t < p.n) {
    let id = ids[t];
    if (id >= 0 && u32(id) < p.vocab) { key = u32(id); }
  }
  keys[t] = vec2u(key, t);
}
`;

/** WGSL of one bitonic compare-exchange pass. */
export const BITONIC_STEP_WGSL = `
struct Params { n: u32, j: u32, k: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> keys: array<vec2u>;
${MAIN}
  let i = (t / p.j) * 2u * p.j + t % p.j;
  let l = i + p.j;
  let a = keys[i];
  let b = keys[l];
  let ascending = (i & p.k) == 0u;
  let greater = a.x > b.x || (a.x == b.x && a.y > b.y);
  if (greater == ascending) {
    keys[i] = b;
    keys[l] = a;
  }
}
`;

/** WGSL finding each id's run in the sorted keys. */
export const EMBEDDING_BOUNDS_WGSL = `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read_write> bounds: array<u32>;
${MAIN}
  let key = keys[t].x;
  if (key == ${SENTINEL}u) { return; }
  // Valid keys fill slots [0, M) with M <= n; every slot past them holds the sentinel.
  if (t == 0u || keys[t - 1u].x != key) { bounds[2u * key] = t; }
  if (t + 1u >= p.n || keys[t + 1u].x != key) { bounds[2u * key + 1u] = t + 1u; }
}
`;

/**
 * WGSL summing each id's run of output-gradient rows, offsets [k0, k1) of the
 * run per dispatch: the host splits long runs over several dispatches so no
 * invocation loops past the adapter's budget. Each pass continues from the
 * running sum in `grad` (zero-initialised), so the order of additions, and
 * hence the rounding, is that of one sequential sum.
 */
export const EMBEDDING_ROW_SUMS_WGSL = `
struct Params { n: u32, dim: u32, k0: u32, k1: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<vec2u>;
@group(0) @binding(2) var<storage, read> bounds: array<u32>;
@group(0) @binding(3) var<storage, read> gs: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
${MAIN}
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
  grad[t] = acc;
}
`;
