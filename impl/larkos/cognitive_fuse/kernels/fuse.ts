/**
 * The cognitive fusion of a batch of calls in four dispatches and no host sync between them:
 *
 * 0. `CF_TABLE` (one invocation per coefficient): the 64×22 key-projection coefficients and
 *    the two bands' 32×64 coefficients, hashed once per batch (the hash is exact, so a table
 *    entry is the coefficient itself).
 * 1. `CF_QUERY` (one workgroup of 64 per call, one invocation per output row): q =
 *    LN(project(llm)), and LN(q + 0.5·LN(project(text))) when the call has text.
 * 2. `CF_SCORES` (one invocation per memory of every call): key_m =
 *    LN(project(imp·((1 − β)·dw + β·vec))) into the `keys` scratch buffer, and score_m =
 *    ⟨q, key_m⟩/8, with the coefficients read from the table.
 * 3. `CF_FUSE` (one workgroup of 64 per call): top-K by insertion (ties keep the earlier
 *    memory), softmax over K, mv = LN(Σ w_k key_k), the two bands (row seeds 1009 and 3001),
 *    s = 0.5·σ(2c − 1), the cross mix and the final LN.
 *
 * Every sum runs in one invocation in the C's order (left to right), and every constant whose
 * f32 value the C computes at run time (1/√n for each projection length, ε = f32(1e-6)) is
 * passed as that f32, so the kernels differ from the host only where WGSL's builtins may (exp,
 * and sqrt and division, which WGSL does not require to be correctly rounded).
 *
 * Compile time matters on llvmpipe: no kernel keeps a dynamically indexed private array, no
 * kernel with workgroup barriers nests loops (such a per-memory kernel took 8 to 57 s to
 * compile, uncached, against 0.06 s for the same loop nest without barriers), and fixed loops
 * take their bounds from uniforms (`d` = 64, `w` = 22) so they are not unrolled around an
 * inlined hash.
 *
 * The call table `calls_tab` holds per call, at 12·b: llm offset, L, text offset, T, dw
 * offset, importance offset, memory offset, n', offset of [β, c, 1/√L, 1/√T] in `data`, index
 * of the call's first memory, and two unused words. `memcall[g]` is the call of memory g.
 *
 * Bindings: data [floats] f32; calls_tab [12·calls] u32; memcall [memories] u32; coefs
 * [CF_TABLE_SIZE]; q [calls·64]; keys [memories·64]; scores [memories]; out [calls·64]
 * (read_write where written).
 * Grid: CF_TABLE: ceil(5504 / 64); CF_QUERY and CF_FUSE: `calls` workgroups of 64; CF_SCORES:
 * ceil(memories / 64) workgroups of 64.
 * Accuracy: + − × in f32 as the host; exp, sqrt and / within WGSL's bounds.
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";
import { CF_HASH_WGSL } from "./hash.ts";

/** Words per call in the call table. */
export const CF_META_WORDS = 12;

function f32Bits(x: number): string {
  return `bitcast<f32>(0x${new Uint32Array(new Float32Array([x]).buffer)[0]!.toString(16)}u)`;
}

/** f32(1e-6), the C's LayerNorm ε. */
const EPS = f32Bits(1e-6);

/** f32(1/f32(√22)): the memory projection's scale as the C computes it. */
const SCALE22 = f32Bits(1 / Math.fround(Math.sqrt(22)));

/** `fn <name>() -> vec2f`: (mean, √(var + ε)) of a 64-float workgroup array, in one invocation. */
function lnStats(name: string, arr: string): string {
  return `
fn ${name}() -> vec2f {
  var mean = 0.0;
  for (var i = 0u; i < p.d; i++) { mean = mean + ${arr}[i]; }
  mean = mean / 64.0;
  var vr = 0.0;
  for (var i = 0u; i < p.d; i++) { let t = ${arr}[i] - mean; vr = vr + t * t; }
  vr = vr / 64.0;
  return vec2f(mean, sqrt(vr + ${EPS}));
}`;
}

/** Coefficients kept in the table: 64×22 for the keys, then 2 bands × 32 rows × 64 columns. */
export const CF_TABLE_SIZE: number = 64 * 22 + 2 * 32 * 64;

/**
 * Pass 0: the coefficient table shared by every call of the batch, hashed once: entries
 * [0, 1408) are coef(i, j) of the key projection (row-major, 22 columns), entries
 * 1408 + 64·k + j are coef(seed + (k mod 32), j) of band k / 32 (seed 1009, then 3001).
 */
export const CF_TABLE: Program = defineProgram({
  name: "larkos_cognitive_fuse_table",
  workgroupSize: 64,
  bindings: { coefs: { access: "read_write" } },
  helpers: () => CF_HASH_WGSL,
  main: () => `
  let e = wg * 64u + lid;
  if (e >= ${CF_TABLE_SIZE}u) { return; }
  if (e < 1408u) {
    coefs[e] = proj_coef(e / 22u, e % 22u);
    return;
  }
  let k = (e - 1408u) / 64u;
  var seed = 1009u;
  if (k >= 32u) { seed = 3001u; }
  coefs[e] = proj_coef(seed + k % 32u, (e - 1408u) % 64u);`,
  loopIterations: () => 0,
});

/** Pass 1: the query of each call. `steps` = the largest L + T of the batch. */
export const CF_QUERY: Program = defineProgram({
  name: "larkos_cognitive_fuse_query",
  workgroupSize: 64,
  uniforms: { calls: "u32", d: "u32" },
  bindings: {
    data: { access: "read" },
    calls_tab: { access: "read", type: "u32" },
    q: { access: "read_write" },
  },
  helpers: () =>
    `${CF_HASH_WGSL}
var<workgroup> v: array<f32, 64>;
var<workgroup> t: array<f32, 64>;
var<workgroup> stats: vec2f;
${lnStats("stats_v", "v")}
${lnStats("stats_t", "t")}

// (Σ_j x_j·coef(r, j))·scale over data[off .. off + n), 0 when n = 0.
fn project_row(off: u32, n: u32, r: u32, scale: f32) -> f32 {
  if (n == 0u) { return 0.0; }
  var acc = 0.0;
  for (var j = 0u; j < n; j++) { acc = acc + data[off + j] * proj_coef(r, j); }
  return acc * scale;
}`,
  main: () => `
  let b = wg;
  if (b >= p.calls) { return; }
  let base = b * 12u;
  let consts = calls_tab[base + 8u];
  v[lid] = project_row(calls_tab[base], calls_tab[base + 1u], lid, data[consts + 2u]);
  let nt = calls_tab[base + 3u];
  if (nt > 0u) { t[lid] = project_row(calls_tab[base + 2u], nt, lid, data[consts + 3u]); }
  workgroupBarrier();
  if (lid == 0u) { stats = stats_v(); }
  workgroupBarrier();
  var qi = (v[lid] - stats.x) / stats.y;
  workgroupBarrier();
  if (lid == 0u) { stats = stats_t(); }
  workgroupBarrier();
  v[lid] = qi + 0.5 * ((t[lid] - stats.x) / stats.y);
  workgroupBarrier();
  if (lid == 0u) { stats = stats_v(); }
  workgroupBarrier();
  if (nt > 0u) { qi = (v[lid] - stats.x) / stats.y; }
  q[b * 64u + lid] = qi;`,
  // Two projections (L + 1 and T + 1 headers) and thread 0's six LN loops of 65.
  loopIterations: (_s, steps) => steps + 2 + 6 * 65,
});

/** Pass 2: the key and score of every memory of every call, one invocation per memory. */
export const CF_SCORES: Program = defineProgram({
  name: "larkos_cognitive_fuse_scores",
  workgroupSize: 64,
  uniforms: { total: "u32", d: "u32", w: "u32" },
  bindings: {
    data: { access: "read" },
    calls_tab: { access: "read", type: "u32" },
    memcall: { access: "read", type: "u32" },
    q: { access: "read" },
    coefs: { access: "read" },
    keys: { access: "read_write" },
    scores: { access: "read_write" },
  },
  main: () => `
  let g = wg * 64u + lid;
  if (g >= p.total) { return; }
  let b = memcall[g];
  let base = b * 12u;
  let m = g - calls_tab[base + 9u];
  let beta = data[calls_tab[base + 8u]];
  let omb = 1.0 - beta;
  let imp = data[calls_tab[base + 5u] + m];
  let voff = calls_tab[base + 6u] + m * 22u;
  let dwoff = calls_tab[base + 4u];
  let k0 = g * 64u;
  // The blend imp·((1 − β)·dw_j + β·vec_j) is recomputed per row: the same f32 value each time.
  for (var i = 0u; i < p.d; i++) {
    var acc = 0.0;
    for (var j = 0u; j < p.w; j++) {
      let x = imp * (omb * data[dwoff + j] + beta * data[voff + j]);
      acc = acc + x * coefs[i * 22u + j];
    }
    keys[k0 + i] = acc * ${SCALE22};
  }
  var mean = 0.0;
  for (var i = 0u; i < p.d; i++) { mean = mean + keys[k0 + i]; }
  mean = mean / 64.0;
  var vr = 0.0;
  for (var i = 0u; i < p.d; i++) { let t = keys[k0 + i] - mean; vr = vr + t * t; }
  vr = vr / 64.0;
  let sd = sqrt(vr + ${EPS});
  var dot = 0.0;
  for (var i = 0u; i < p.d; i++) {
    let k = (keys[k0 + i] - mean) / sd;
    keys[k0 + i] = k;
    dot = dot + q[b * 64u + i] * k;
  }
  scores[g] = dot / 8.0;`,
  // 64 rows of 22 (65 + 64·23) and three loops of 65.
  loopIterations: () => 65 + 64 * 23 + 3 * 65,
});

/** Pass 3: top-K, softmax, mv, bands, mix and final LN. `steps` = the largest n'. */
export const CF_FUSE: Program = defineProgram({
  name: "larkos_cognitive_fuse_fuse",
  workgroupSize: 64,
  uniforms: { calls: "u32", d: "u32" },
  bindings: {
    data: { access: "read" },
    calls_tab: { access: "read", type: "u32" },
    q: { access: "read" },
    coefs: { access: "read" },
    keys: { access: "read" },
    scores: { access: "read" },
    out: { access: "read_write" },
  },
  helpers: () => `
var<workgroup> top_i: array<u32, 32>;
var<workgroup> top_s: array<f32, 32>;
var<workgroup> wts: array<f32, 32>;
var<workgroup> kcount: u32;
var<workgroup> smix: f32;
var<workgroup> qv: array<f32, 64>;
var<workgroup> mvv: array<f32, 64>;
var<workgroup> cr: array<f32, 64>;
var<workgroup> stats: vec2f;
${lnStats("stats_mv", "mvv")}
${lnStats("stats_cr", "cr")}

// Insertion into a descending list: an entry moves up only past strictly smaller scores
// (ties keep the earlier memory first); a full list admits only a score above its last.
fn select_top(off: u32, n: u32) -> u32 {
  let K = min(n, 32u);
  var filled = 0u;
  for (var m = 0u; m < n; m++) {
    let s = scores[off + m];
    if (filled == K && !(s > top_s[K - 1u])) { continue; }
    var pos = select(K - 1u, filled, filled < K);
    loop {
      if (pos == 0u) { break; }
      if (!(top_s[pos - 1u] < s)) { break; }
      top_s[pos] = top_s[pos - 1u];
      top_i[pos] = top_i[pos - 1u];
      pos = pos - 1u;
    }
    top_s[pos] = s;
    top_i[pos] = m;
    if (filled < K) { filled = filled + 1u; }
  }
  return K;
}`,
  main: () => `
  let b = wg;
  if (b >= p.calls) { return; }
  let base = b * 12u;
  let first = calls_tab[base + 9u];
  qv[lid] = q[b * 64u + lid];
  if (lid == 0u) {
    let K = select_top(first, calls_tab[base + 7u]);
    kcount = K;
    if (K > 0u) {
      let mx = top_s[0];
      var sum = 0.0;
      for (var k = 0u; k < K; k++) {
        wts[k] = exp(top_s[k] - mx);
        sum = sum + wts[k];
      }
      for (var k = 0u; k < K; k++) { wts[k] = wts[k] / sum; }
    }
    let c = data[calls_tab[base + 8u] + 1u];
    let z = 2.0 * c - 1.0;
    smix = 0.5 * (1.0 / (1.0 + exp(-z)));
  }
  workgroupBarrier();
  let K = kcount;
  var acc = 0.0;
  for (var k = 0u; k < K; k++) { acc = acc + wts[k] * keys[(first + top_i[k]) * 64u + lid]; }
  mvv[lid] = acc;
  workgroupBarrier();
  if (lid == 0u) { stats = stats_mv(); }
  workgroupBarrier();
  if (K > 0u) { mvv[lid] = (acc - stats.x) / stats.y; }
  workgroupBarrier();
  // Row lid of the band table: query band rows (seed 1009) for lid < 32, memory band rows
  // (seed 3001) after.
  var band = 0.0;
  let row = 1408u + lid * 64u;
  for (var j = 0u; j < p.d; j++) {
    var xj = qv[j];
    if (lid >= 32u) { xj = mvv[j]; }
    band = band + xj * coefs[row + j];
  }
  // 1/√64 = 0.125 exactly, as the C's 1.0f / sqrtf(64.0f).
  cr[lid] = band * 0.125;
  workgroupBarrier();
  let x = cr[lid] + smix * cr[(lid + 32u) % 64u];
  workgroupBarrier();
  cr[lid] = x;
  workgroupBarrier();
  if (lid == 0u) { stats = stats_cr(); }
  workgroupBarrier();
  out[b * 64u + lid] = (x - stats.x) / stats.y;`,
  // Thread 0: the insertion (n + 1 headers, ≤ 33 per memory inside), softmax (2 × 33),
  // the weighted sum (33), two LN statistics (2 × 130) and the band (65).
  loopIterations: (_s, steps) => steps + 1 + 33 * steps + 2 * 33 + 33 + 2 * 130 + 65,
});
