/**
 * The byte-latent coder's patching / latent-commit recurrence (catalogue B2,
 * steps 2–9), fused over time: one workgroup per sequence keeps the committer
 * state in workgroup memory and loops over `steps` substrate states; a long
 * sequence is split over dispatches that carry the state through `state`.
 * Per step t, with k owned by invocations lid, lid+WG, …:
 *   u_k = s_t[idx_k];  ν = (Σ_k |u_k − prev_k|) / F (tree reduction; 0 before the first view)
 *   psum_k += u_k;  ℓ += 1;  m_k = psum_k / ℓ
 *   commit = ℓ ≥ max  ||  (ℓ ≥ min && (ℓ ≥ size || (adaptive && ν ≥ threshold)))
 *   on commit: z = tanh(P m); g = tanh(R g + G_in z); last = z; p̂ = tanh(L_p g)
 *   row t = [u − p̂, m, g, last, ν, ℓ/max, commit];  on commit psum = 0, ℓ = 0;  prev = u
 * p̂ only changes with g, so it is recomputed on commit and carried otherwise (p̂ = tanh(0) = 0
 * before the first commit). The commit decision is made by invocation 0 and broadcast with
 * workgroupUniformLoad, so every barrier stays in uniform control flow.
 *
 * State layout per sequence (f32): prev [F], psum [F], g [G], last [L], phat [F], ℓ, started.
 *
 * Bindings: 0 uniform {batch, tm, t0, steps, units}; 1 hist [batch, tm, units] (substrate
 * states); 2 idx i32 [F]; 3 p [L, F]; 4 r [G, G]; 5 gin [G, L]; 6 lp [F, G];
 * 7 state [batch, S] (read_write); 8 feat [batch, tm, D] (D = 2F + G + L + 3).
 * Grid: `batch` workgroups of {@link CODER_WG} (tiled).
 * Accuracy (class T3): every dot product sums its terms in any order (charge γ_{m−1}·Σ|terms|);
 * fw_tanh as in fastweights_math.ts; ν is a sum of F rounded differences divided once; m is
 * psum (a running f32 sum of ≤ max views) divided once.
 *
 * @module
 */
import { WGSL_LINEAR_WORKGROUP } from "../../../gpu/grid.ts";
import { FW_MATH_WGSL } from "../../../gpu/wgsl/tanh_sigmoid.ts";

/** Workgroup size of the commit kernel (a power of two: the novelty reduction halves it). */
export const CODER_WG = 64;

/** Static configuration baked into the kernel. */
export interface CoderKernelShape {
  /** View size F. */
  f: number;
  /** Latent size L. */
  l: number;
  /** Global size G. */
  g: number;
  minPatch: number;
  maxPatch: number;
  patchSize: number;
  adaptive: boolean;
  threshold: number;
}

/** Size of one sequence's committer state. */
export function coderStateSize(s: CoderKernelShape): number {
  return 3 * s.f + s.g + s.l + 2;
}

/** Feature width D = 2F + G + L + 3. */
export function coderFeatureDim(s: CoderKernelShape): number {
  return 2 * s.f + s.g + s.l + 3;
}

const lit = (x: number) => {
  const s = Math.fround(x).toPrecision(9);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
};

/** Loop-header evaluations of one step (worst case: a commit) and of the prologue/epilogue. */
export function coderLoops(s: CoderKernelShape): { step: number; fixed: number } {
  const per = (n: number) => Math.ceil(n / CODER_WG);
  const loop = (n: number, inner = 0) => per(n) + 1 + per(n) * inner;
  const red = Math.log2(CODER_WG) + 1;
  const step = 1 + loop(s.f) + red + loop(s.f) + // views, reduction, means
    loop(s.l, s.f + 1) + loop(s.g, s.g + 1 + s.l + 1) + loop(s.g) + loop(s.l) +
    loop(s.f, s.g + 1) + loop(s.f) + loop(s.g) + loop(s.l);
  const S = coderStateSize(s);
  return { step, fixed: 2 * loop(S) + 1 };
}

/** WGSL of the commit recurrence for shape `s`. */
export function coderCommitWgsl(s: CoderKernelShape): string {
  const { f: F, l: L, g: G } = s;
  const D = coderFeatureDim(s);
  const S = coderStateSize(s);
  const WG = CODER_WG;
  // State offsets.
  const oPsum = F;
  const oG = 2 * F;
  const oLast = 2 * F + G;
  const oPhat = 2 * F + G + L;
  const oEll = 3 * F + G + L;
  return `
struct Params { batch: u32, tm: u32, t0: u32, steps: u32, units: u32 }
@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> hist: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> pm: array<f32>;
@group(0) @binding(4) var<storage, read> rm: array<f32>;
@group(0) @binding(5) var<storage, read> gin: array<f32>;
@group(0) @binding(6) var<storage, read> lp: array<f32>;
@group(0) @binding(7) var<storage, read_write> state: array<f32>;
@group(0) @binding(8) var<storage, read_write> feat: array<f32>;
var<workgroup> st: array<f32, ${S}>;
var<workgroup> uu: array<f32, ${F}>;
var<workgroup> mm: array<f32, ${F}>;
var<workgroup> zz: array<f32, ${L}>;
var<workgroup> gn: array<f32, ${G}>;
var<workgroup> red: array<f32, ${WG}>;
var<workgroup> flag: u32;
${FW_MATH_WGSL}
${WGSL_LINEAR_WORKGROUP}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = linear_workgroup(wid, nwg);
  if (b >= prm.batch) { return; }
  for (var i = lid; i < ${S}u; i += ${WG}u) { st[i] = state[b * ${S}u + i]; }
  workgroupBarrier();
  for (var s = 0u; s < prm.steps; s++) {
    let t = prm.t0 + s;
    let hrow = (b * prm.tm + t) * prm.units;
    let started = st[${oEll + 1}u] > 0.5;
    var part = 0.0;
    for (var k = lid; k < ${F}u; k += ${WG}u) {
      let u = hist[hrow + u32(idx[k])];
      uu[k] = u;
      if (started) { part = part + abs(u - st[k]); }
    }
    red[lid] = part;
    workgroupBarrier();
    for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
      if (lid < h) { red[lid] = red[lid] + red[lid + h]; }
      workgroupBarrier();
    }
    let nu = red[0] / ${lit(F)};
    let ell = st[${oEll}u] + 1.0;
    for (var k = lid; k < ${F}u; k += ${WG}u) {
      let ps = st[${oPsum}u + k] + uu[k];
      st[${oPsum}u + k] = ps;
      mm[k] = ps / ell;
    }
    if (lid == 0u) {
      var c = ell >= ${lit(s.maxPatch)};
      if (!c && ell >= ${lit(s.minPatch)}) {
        c = ell >= ${lit(s.patchSize)}${s.adaptive ? ` || nu >= ${lit(s.threshold)}` : ""};
      }
      flag = select(0u, 1u, c);
    }
    let commit = workgroupUniformLoad(&flag) == 1u;
    if (commit) {
      for (var k = lid; k < ${L}u; k += ${WG}u) {
        var a = 0.0;
        for (var j = 0u; j < ${F}u; j++) { a = a + pm[k * ${F}u + j] * mm[j]; }
        zz[k] = fw_tanh(a);
      }
      workgroupBarrier();
      for (var k = lid; k < ${G}u; k += ${WG}u) {
        var a = 0.0;
        for (var j = 0u; j < ${G}u; j++) { a = a + rm[k * ${G}u + j] * st[${oG}u + j]; }
        for (var j = 0u; j < ${L}u; j++) { a = a + gin[k * ${L}u + j] * zz[j]; }
        gn[k] = fw_tanh(a);
      }
      workgroupBarrier();
      for (var k = lid; k < ${G}u; k += ${WG}u) { st[${oG}u + k] = gn[k]; }
      for (var k = lid; k < ${L}u; k += ${WG}u) { st[${oLast}u + k] = zz[k]; }
      workgroupBarrier();
      for (var k = lid; k < ${F}u; k += ${WG}u) {
        var a = 0.0;
        for (var j = 0u; j < ${G}u; j++) { a = a + lp[k * ${G}u + j] * st[${oG}u + j]; }
        st[${oPhat}u + k] = fw_tanh(a);
      }
      workgroupBarrier();
    }
    let frow = (b * prm.tm + t) * ${D}u;
    for (var k = lid; k < ${F}u; k += ${WG}u) {
      feat[frow + k] = uu[k] - st[${oPhat}u + k];
      feat[frow + ${F}u + k] = mm[k];
      st[k] = uu[k];
      if (commit) { st[${oPsum}u + k] = 0.0; }
    }
    for (var k = lid; k < ${G}u; k += ${WG}u) { feat[frow + ${2 * F}u + k] = st[${oG}u + k]; }
    for (var k = lid; k < ${L}u; k += ${WG}u) { feat[frow + ${
    2 * F + G
  }u + k] = st[${oLast}u + k]; }
    if (lid == 0u) {
      feat[frow + ${D - 3}u] = nu;
      feat[frow + ${D - 2}u] = ell / ${lit(s.maxPatch)};
      feat[frow + ${D - 1}u] = select(0.0, 1.0, commit);
    }
    workgroupBarrier();
    if (lid == 0u) {
      st[${oEll}u] = select(ell, 0.0, commit);
      st[${oEll + 1}u] = 1.0;
    }
    workgroupBarrier();
  }
  for (var i = lid; i < ${S}u; i += ${WG}u) { state[b * ${S}u + i] = st[i]; }
}
`;
}
