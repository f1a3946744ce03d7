/**
 * WGSL programs of AMS v4's geometry (impl/ams/geometry/geometry.ts): the metric batched over
 * points, the connection's generators batched over (point, direction) evaluations, the fused
 * RK4 transport of a whole path, one Adam step of the geodesic solve, and the slerp path. Each
 * follows spec/oracle/ams/geometry.ts operation by operation (the order its running error
 * analysis replays).
 *
 * Weights are packed per network as [W1, b1, W2, b2, W3, b3] (PyTorch's (out, in) layout).
 *
 * @module
 */
import { defineProgram, type Program } from "../../../gpu/program.ts";

/** Sizes of the metric programs: the base dimension. */
export type MetricSizes = { readonly d: number };

/** WGSL constants and functions of the metric network, reading packed weights from `mp`. */
function metricHelpers(d: number): string {
  const h = 4 * d;
  const t = (d * (d + 1)) / 2;
  return `
const D: u32 = ${d}u;
const H: u32 = ${h}u;
const T: u32 = ${t}u;
const MW1: u32 = 0u;
const MB1: u32 = ${h * d}u;
const MW2: u32 = ${h * d + h}u;
const MB2: u32 = ${h * d + h + h * h}u;
const MW3: u32 = ${h * d + 2 * h + h * h}u;
const MB3: u32 = ${h * d + 2 * h + h * h + t * h}u;
fn silu(x: f32) -> f32 { return x / (1.0 + exp(-x)); }
fn softplus(x: f32) -> f32 { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }
fn sigm(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn silu_grad(a: f32) -> f32 { let s = sigm(a); return s * (1.0 + a * (1.0 - s)); }
struct MetricState {
  a1: array<f32, ${h}>,
  a2: array<f32, ${h}>,
  raw: array<f32, ${t}>,
  L: array<f32, ${d * d}>,
  g: array<f32, ${d * d}>,
}
fn metric_eval(x: array<f32, ${d}>) -> MetricState {
  var s: MetricState;
  var h1: array<f32, ${h}>;
  for (var o = 0u; o < H; o++) {
    var acc = mp[MB1 + o];
    for (var i = 0u; i < D; i++) { acc = acc + mp[MW1 + o * D + i] * x[i]; }
    s.a1[o] = acc;
    h1[o] = silu(acc);
  }
  var h2: array<f32, ${h}>;
  for (var o = 0u; o < H; o++) {
    var acc = mp[MB2 + o];
    for (var i = 0u; i < H; i++) { acc = acc + mp[MW2 + o * H + i] * h1[i]; }
    s.a2[o] = acc;
    h2[o] = silu(acc);
  }
  var n = 0u;
  for (var i = 0u; i < D; i++) {
    for (var j = 0u; j <= i; j++) {
      var acc = mp[MB3 + n];
      for (var k = 0u; k < H; k++) { acc = acc + mp[MW3 + n * H + k] * h2[k]; }
      s.raw[n] = acc;
      if (i == j) { s.L[i * D + j] = softplus(acc) + 1e-3; } else { s.L[i * D + j] = acc; }
      n++;
    }
  }
  for (var i = 0u; i < D; i++) {
    for (var j = 0u; j < D; j++) {
      let m = min(i, j);
      var acc = s.L[i * D] * s.L[j * D];
      for (var k = 1u; k <= m; k++) { acc = acc + s.L[i * D + k] * s.L[j * D + k]; }
      s.g[i * D + j] = acc;
    }
  }
  return s;
}
`;
}

/** Loop-header evaluations of one metric evaluation (forward). */
export function metricLoops(d: number): number {
  const h = 4 * d;
  const t = (d * (d + 1)) / 2;
  return (h * (d + 1) + 1) + (h * (h + 1) + 1) + (t * (h + 1) + d + 1) + d * d * (d + 1) + d + 1;
}

/** g(x) at each of n points: one invocation per point. */
export const METRIC_PROGRAM: Program<MetricSizes> = defineProgram<MetricSizes>({
  name: "ams_metric",
  workgroupSize: 64,
  uniforms: { n: "u32" },
  bindings: {
    mp: { access: "read" },
    xin: { access: "read" },
    out: { access: "read_write" },
  },
  helpers: (s) => metricHelpers(s.d),
  main: () => `
  let r = wg * 64u + lid;
  if (r >= p.n) { return; }
  var xv: array<f32, D>;
  for (var i = 0u; i < D; i++) { xv[i] = xin[r * D + i]; }
  let s = metric_eval(xv);
  for (var q = 0u; q < D * D; q++) { out[r * D * D + q] = s.g[q]; }
`,
  loopIterations: (s) => metricLoops(s.d) + 2 * (s.d * s.d + 1),
});

/** Sizes of the connection program. */
export type ConnectionSizes = { readonly d: number; readonly dF: number };

/** Threads of one connection evaluation. */
export const CONNECTION_WG = 128;

/**
 * The generators A(x, v) of a batch of evaluations, one workgroup each. `mode` 0 reads (x, v)
 * from `xv` (n × 2d); mode 1 builds them from a path (B × P × d): evaluation e = (b·S + k)·3 +
 * stage with v = p1 − p0 and x = p0, (p0 + p1)·0.5 or p1 for stage 0, 1, 2.
 */
export const CONNECTION_PROGRAM: Program<ConnectionSizes> = defineProgram<ConnectionSizes>({
  name: "ams_connection",
  workgroupSize: CONNECTION_WG,
  uniforms: { n: "u32", mode: "u32", nPts: "u32" },
  bindings: {
    mp: { access: "read" },
    cp: { access: "read" },
    xv: { access: "read" },
    out: { access: "read_write" },
  },
  helpers: (s) => {
    const t = (s.d * (s.d + 1)) / 2;
    const z = 2 * s.d + t;
    const hf = 4 * s.dF;
    return `${metricHelpers(s.d)}
const Z: u32 = ${z}u;
const HF: u32 = ${hf}u;
const DF: u32 = ${s.dF}u;
const CW1: u32 = 0u;
const CB1: u32 = ${hf * z}u;
const CW2: u32 = ${hf * z + hf}u;
const CB2: u32 = ${hf * z + hf + hf * hf}u;
const CW3: u32 = ${hf * z + 2 * hf + hf * hf}u;
const CB3: u32 = ${hf * z + 2 * hf + hf * hf + s.dF * s.dF * hf}u;
const WG: u32 = ${CONNECTION_WG}u;
var<workgroup> zin: array<f32, ${z}>;
var<workgroup> c1: array<f32, ${hf}>;
var<workgroup> c2: array<f32, ${hf}>;
fn row3(o: u32) -> f32 {
  var acc = cp[CB3 + o];
  for (var k = 0u; k < HF; k++) { acc = acc + cp[CW3 + o * HF + k] * c2[k]; }
  return acc;
}
`;
  },
  main: () => `
  let e = wg;
  if (e >= p.n) { return; }
  if (lid == 0u) {
    var x: array<f32, D>;
    var v: array<f32, D>;
    if (p.mode == 0u) {
      for (var i = 0u; i < D; i++) { x[i] = xv[e * 2u * D + i]; v[i] = xv[e * 2u * D + D + i]; }
    } else {
      let S = p.nPts - 1u;
      let stage = e % 3u;
      let k = (e / 3u) % S;
      let b = e / (3u * S);
      let o0 = (b * p.nPts + k) * D;
      for (var i = 0u; i < D; i++) {
        let p0 = xv[o0 + i];
        let p1 = xv[o0 + D + i];
        v[i] = p1 - p0;
        if (stage == 0u) { x[i] = p0; } else if (stage == 1u) { x[i] = (p0 + p1) * 0.5; } else { x[i] = p1; }
      }
    }
    let s = metric_eval(x);
    for (var i = 0u; i < D; i++) { zin[i] = x[i]; zin[D + i] = v[i]; }
    var q = 2u * D;
    for (var i = 0u; i < D; i++) {
      for (var j = i; j < D; j++) { zin[q] = s.g[i * D + j]; q++; }
    }
  }
  workgroupBarrier();
  for (var o = lid; o < HF; o += WG) {
    var acc = cp[CB1 + o];
    for (var i = 0u; i < Z; i++) { acc = acc + cp[CW1 + o * Z + i] * zin[i]; }
    c1[o] = silu(acc);
  }
  workgroupBarrier();
  for (var o = lid; o < HF; o += WG) {
    var acc = cp[CB2 + o];
    for (var i = 0u; i < HF; i++) { acc = acc + cp[CW2 + o * HF + i] * c1[i]; }
    c2[o] = silu(acc);
  }
  workgroupBarrier();
  // Each pair i ≤ j once: r_ij and r_ji give A_ij and A_ji = (r_ji − r_ij)·0.5, the exact negative.
  for (var q = lid; q < DF * DF; q += WG) {
    let i = q / DF;
    let j = q % DF;
    if (i > j) { continue; }
    let rij = row3(i * DF + j);
    if (i == j) { out[e * DF * DF + q] = (rij - rij) * 0.5; continue; }
    let rji = row3(j * DF + i);
    out[e * DF * DF + q] = (rij - rji) * 0.5;
    out[e * DF * DF + j * DF + i] = (rji - rij) * 0.5;
  }
`,
  loopIterations: (s) => {
    const t = (s.d * (s.d + 1)) / 2;
    const z = 2 * s.d + t;
    const hf = 4 * s.dF;
    const per = (n: number) => Math.ceil(n / CONNECTION_WG) + 1;
    return metricLoops(s.d) + 4 * s.d + t + 4 +
      per(hf) * (z + 1) + per(hf) * (hf + 1) + per(s.dF * s.dF) * 2 * (hf + 1);
  },
});

/** Sizes of the transport program. */
export type TransportSizes = { readonly dF: number };

/** Threads of one transported fibre. */
export const TRANSPORT_WG = 64;

/**
 * RK4 transport of B fibres along B paths of nPts points, one workgroup per fibre, reading the
 * generators written by the connection program ((b·S + k)·3 + stage, each dF × dF). Writes
 * every state (B × nPts × dF; state 0 = the input) — the last is the transported fibre.
 */
export const TRANSPORT_PROGRAM: Program<TransportSizes> = defineProgram<TransportSizes>({
  name: "ams_transport",
  workgroupSize: TRANSPORT_WG,
  uniforms: { B: "u32", nPts: "u32", interval: "u32" },
  bindings: {
    gens: { access: "read" },
    fiber: { access: "read" },
    states: { access: "read_write" },
  },
  helpers: (s) => `
const DF: u32 = ${s.dF}u;
const WG: u32 = ${TRANSPORT_WG}u;
var<workgroup> f: array<f32, ${s.dF}>;
var<workgroup> y: array<f32, ${s.dF}>;
var<workgroup> k1: array<f32, ${s.dF}>;
var<workgroup> k2: array<f32, ${s.dF}>;
var<workgroup> k3: array<f32, ${s.dF}>;
var<workgroup> sc: array<f32, 2>;
fn neg_matvec(base: u32, i: u32, useF: bool) -> f32 {
  var acc: f32;
  if (useF) {
    acc = gens[base + i * DF] * f[0];
    for (var j = 1u; j < DF; j++) { acc = acc + gens[base + i * DF + j] * f[j]; }
  } else {
    acc = gens[base + i * DF] * y[0];
    for (var j = 1u; j < DF; j++) { acc = acc + gens[base + i * DF + j] * y[j]; }
  }
  return -acc;
}
fn clamped_norm_f() -> f32 {
  var s = f[0] * f[0];
  for (var i = 1u; i < DF; i++) { s = s + f[i] * f[i]; }
  return max(sqrt(s), 1e-8);
}
`,
  main: () => `
  let b = wg;
  if (b >= p.B) { return; }
  let S = p.nPts - 1u;
  for (var i = lid; i < DF; i += WG) {
    f[i] = fiber[b * DF + i];
    states[b * p.nPts * DF + i] = f[i];
  }
  workgroupBarrier();
  if (lid == 0u) { sc[0] = clamped_norm_f(); }
  workgroupBarrier();
  for (var k = 0u; k < S; k++) {
    let a0 = ((b * S + k) * 3u) * DF * DF;
    let am = a0 + DF * DF;
    let a1 = am + DF * DF;
    for (var i = lid; i < DF; i += WG) { k1[i] = neg_matvec(a0, i, true); }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) { y[i] = f[i] + 0.5 * k1[i]; }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) { k2[i] = neg_matvec(am, i, false); }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) { y[i] = f[i] + 0.5 * k2[i]; }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) { k3[i] = neg_matvec(am, i, false); }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) { y[i] = f[i] + k3[i]; }
    workgroupBarrier();
    for (var i = lid; i < DF; i += WG) {
      let k4 = neg_matvec(a1, i, false);
      f[i] = f[i] + (((k1[i] + 2.0 * k2[i]) + 2.0 * k3[i]) + k4) / 6.0;
    }
    workgroupBarrier();
    if ((k + 1u) % p.interval == 0u) {
      if (lid == 0u) { sc[1] = sc[0] / clamped_norm_f(); }
      workgroupBarrier();
      for (var i = lid; i < DF; i += WG) { f[i] = f[i] * sc[1]; }
      workgroupBarrier();
    }
    for (var i = lid; i < DF; i += WG) { states[(b * p.nPts + k + 1u) * DF + i] = f[i]; }
  }
`,
  loopIterations: (s, steps) => {
    const rows = Math.ceil(s.dF / TRANSPORT_WG) + 1;
    const segs = Math.max(steps, 1);
    return 2 * rows + s.dF + 1 + (segs + 1) * (8 * rows + 4 * rows * (s.dF + 1) + 2 * s.dF);
  },
});

/** Sizes of the geodesic step program. */
export type GeodesicSizes = { readonly d: number; readonly N: number };

/** Threads of the single geodesic workgroup. */
export const GEODESIC_WG = 256;

/**
 * One Adam step of the geodesic solve for the whole batch, in one workgroup: every segment's
 * energy Δxᵀ g(mid) Δx and its gradients (thread per segment), the total energy written to
 * `trace[step]` (summed in segment order by thread 0), then torch's Adam update of every
 * interior coordinate, written to `interior` and to `snaps[step]`. No host sync: the host reads
 * the trace and the snapshots once and applies the stop rule afterwards.
 */
export const GEODESIC_STEP_PROGRAM: Program<GeodesicSizes> = defineProgram<GeodesicSizes>({
  name: "ams_geodesic_step",
  workgroupSize: GEODESIC_WG,
  uniforms: { B: "u32", step: "u32", stepSize: "f32", bc2s: "f32" },
  bindings: {
    mp: { access: "read" },
    ends: { access: "read" },
    interior: { access: "read_write" },
    adam: { access: "read_write" },
    scratch: { access: "read_write" },
    trace: { access: "read_write" },
    snaps: { access: "read_write" },
  },
  helpers: (s) =>
    `${metricHelpers(s.d)}
const N: u32 = ${s.N}u;
const S: u32 = ${s.N + 1}u;
const SW: u32 = ${2 * s.d + 1}u;
const WG: u32 = ${GEODESIC_WG}u;
fn point(b: u32, k: u32, i: u32) -> f32 {
  if (k == 0u) { return ends[b * 2u * D + i]; }
  if (k == N + 1u) { return ends[b * 2u * D + D + i]; }
  return interior[(b * N + k - 1u) * D + i];
}
`,
  main: () => `
  let nSeg = p.B * S;
  for (var sg = lid; sg < nSeg; sg += WG) {
    let b = sg / S;
    let k = sg % S;
    var m: array<f32, D>;
    var dx: array<f32, D>;
    for (var i = 0u; i < D; i++) {
      let p0 = point(b, k, i);
      let p1 = point(b, k + 1u, i);
      dx[i] = p1 - p0;
      m[i] = (p0 + p1) * 0.5;
    }
    let s = metric_eval(m);
    var e = 0.0;
    for (var i = 0u; i < D; i++) {
      for (var j = 0u; j < D; j++) { e = e + dx[i] * s.g[i * D + j] * dx[j]; }
    }
    // dE/dΔx = 2 g Δx; dE/dL = 2 Δx (Lᵀ Δx)ᵀ on the lower triangle.
    var w: array<f32, D>;
    for (var k2 = 0u; k2 < D; k2++) {
      var acc = 0.0;
      for (var j = k2; j < D; j++) { acc = acc + dx[j] * s.L[j * D + k2]; }
      w[k2] = acc;
    }
    var dv: array<f32, T>;
    var n = 0u;
    for (var i = 0u; i < D; i++) {
      for (var j = 0u; j <= i; j++) {
        let dl = 2.0 * dx[i] * w[j];
        if (i == j) { dv[n] = dl * sigm(s.raw[n]); } else { dv[n] = dl; }
        n++;
      }
    }
    var da2: array<f32, H>;
    for (var k3 = 0u; k3 < H; k3++) {
      var acc = 0.0;
      for (var q = 0u; q < T; q++) { acc = acc + mp[MW3 + q * H + k3] * dv[q]; }
      da2[k3] = acc * silu_grad(s.a2[k3]);
    }
    var da1: array<f32, H>;
    for (var k3 = 0u; k3 < H; k3++) {
      var acc = 0.0;
      for (var q = 0u; q < H; q++) { acc = acc + mp[MW2 + q * H + k3] * da2[q]; }
      da1[k3] = acc * silu_grad(s.a1[k3]);
    }
    let base = sg * SW;
    scratch[base] = e;
    for (var i = 0u; i < D; i++) {
      var acc = 0.0;
      for (var q = 0u; q < H; q++) { acc = acc + mp[MW1 + q * D + i] * da1[q]; }
      scratch[base + 1u + i] = acc;
      var gd = 0.0;
      for (var j = 0u; j < D; j++) { gd = gd + s.g[i * D + j] * dx[j]; }
      scratch[base + 1u + D + i] = 2.0 * gd;
    }
  }
  storageBarrier();
  workgroupBarrier();
  if (lid == 0u) {
    var E = 0.0;
    for (var sg = 0u; sg < nSeg; sg++) { E = E + scratch[sg * SW]; }
    trace[p.step] = E;
  }
  let nI = p.B * N * D;
  for (var q = lid; q < nI; q += WG) {
    let b = q / (N * D);
    let k = (q / D) % N;
    let i = q % D;
    let sa = (b * S + k) * SW;
    let sb = sa + SW;
    let gr = (scratch[sa + 1u + D + i] + 0.5 * scratch[sa + 1u + i])
      + (-scratch[sb + 1u + D + i] + 0.5 * scratch[sb + 1u + i]);
    let mo = adam[q] * 0.9 + gr * (1.0 - 0.9);
    let ve = adam[nI + q] * 0.999 + gr * gr * (1.0 - 0.999);
    adam[q] = mo;
    adam[nI + q] = ve;
    let denom = sqrt(ve) / p.bc2s + 1e-8;
    let x = interior[q] - p.stepSize * (mo / denom);
    interior[q] = x;
    snaps[p.step * nI + q] = x;
  }
`,
  loopIterations: (s) => {
    const d = s.d;
    const h = 4 * d;
    const t = (d * (d + 1)) / 2;
    // The caller checks the per-thread segment count; this is one segment per thread plus the
    // energy sum and the update loop at the largest batch the caller allows (see geometry.ts).
    const seg = d + 1 + metricLoops(d) + d * (d + 1) + d * (d + 1) + d * (d + 1) +
      (h * (t + 1) + 1) + 2 * (h * (h + 1) + 1) + d * (h + 1 + d + 1) + d + 2;
    return seg + GEODESIC_WG + 2 + Math.ceil((GEODESIC_WG * s.d) / GEODESIC_WG) + 8;
  },
});

/** Sizes of the slerp program. */
export type SlerpSizes = { readonly d: number };

/**
 * memspec's slerp path (spec/oracle/ams/geometry.ts slerpPoint), one invocation per (pair,
 * point): B pairs of unit vectors (a, b) in `ab` (B × 2 × d), n points each; endpoints copied.
 */
export const SLERP_PROGRAM: Program<SlerpSizes> = defineProgram<SlerpSizes>({
  name: "ams_slerp",
  workgroupSize: 64,
  uniforms: { B: "u32", n: "u32", perpMin: "f32" },
  bindings: { ab: { access: "read" }, out: { access: "read_write" } },
  helpers: (s) => `const D: u32 = ${s.d}u;`,
  main: () => `
  let r = wg * 64u + lid;
  if (r >= p.B * p.n) { return; }
  let pr = r / p.n;
  let k = r % p.n;
  let oa = pr * 2u * D;
  let ob = oa + D;
  if (k == 0u || k == p.n - 1u) {
    let src = select(ob, oa, k == 0u);
    for (var i = 0u; i < D; i++) { out[r * D + i] = ab[src + i]; }
    return;
  }
  var sd = 0.0;
  var ss = 0.0;
  var dot = 0.0;
  for (var i = 0u; i < D; i++) {
    let a = ab[oa + i];
    let b = ab[ob + i];
    if (i == 0u) { sd = (a - b) * (a - b); ss = (a + b) * (a + b); dot = a * b; }
    else { sd = sd + (a - b) * (a - b); ss = ss + (a + b) * (a + b); dot = dot + a * b; }
  }
  let theta = 2.0 * atan2(sqrt(sd), sqrt(ss));
  var u: array<f32, D>;
  var uu = 0.0;
  for (var i = 0u; i < D; i++) {
    u[i] = ab[ob + i] - dot * ab[oa + i];
    if (i == 0u) { uu = u[i] * u[i]; } else { uu = uu + u[i] * u[i]; }
  }
  if (!(sqrt(uu) > p.perpMin)) {
    var kk = 0u;
    for (var i = 1u; i < D; i++) { if (abs(ab[oa + i]) < abs(ab[oa + kk])) { kk = i; } }
    for (var i = 0u; i < D; i++) { u[i] = select(0.0, 1.0, i == kk); }
  }
  for (var rep = 0u; rep < 2u; rep++) {
    var au = ab[oa] * u[0];
    for (var i = 1u; i < D; i++) { au = au + ab[oa + i] * u[i]; }
    for (var i = 0u; i < D; i++) { u[i] = u[i] - au * ab[oa + i]; }
  }
  var nu = u[0] * u[0];
  for (var i = 1u; i < D; i++) { nu = nu + u[i] * u[i]; }
  nu = sqrt(nu);
  let tt = (f32(k) / f32(p.n - 1u)) * theta;
  let c = cos(tt);
  let sn = sin(tt);
  for (var i = 0u; i < D; i++) { out[r * D + i] = c * ab[oa + i] + sn * (u[i] / nu); }
`,
  loopIterations: (s) => 12 * (s.d + 1),
});
