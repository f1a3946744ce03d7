/**
 * Norm-wise, step-local f32 bounds for the chunker's fused Elman kernels
 * (impl/fastweights/chunker/chunker.ts, `chunkerBptt`), shared by the GPU tests of
 * gpu_test.ts and fixtures_test.ts; the training kernels' bounds
 * (_training_bounds.ts) build on `stepBounds`, `readoutBounds` and `backwardBounds`.
 *
 * An element-wise worst-case running bound over a whole sequence grows by the
 * row (or column) sums of |W_hh| per step, so it is finite and useful only for
 * a contractive W_hh. The bounds here stay finite for any W_hh:
 *
 * - step-local: every state h_t against the f64 step from the GPU's own
 *   h_{t−1}, every logit row and label against the f64 read-out of the GPU's
 *   own h_t, each within a running f32 bound that replays the kernels'
 *   evaluation order (`stepBounds`, `readoutBounds`); the gradients against
 *   the f64 BPTT on the GPU's own forward trajectory, the carried gradient's
 *   error recursed norm-wise through ‖W_hh‖₂ (`backwardBounds`);
 * - global: the GPU against the f64 run from h₀, the state error recursed
 *   norm-wise through ‖W_hh‖₂ from the local bounds (`globalBounds`).
 *
 * ‖W_hh‖₂ is bounded rigorously from above by `spectralBound` (the ledger's
 * Jacobi eigenvalue solver with its error bound). Every parameter is charged
 * its rounding to f32 (`trackedParams`), which is zero for f32-exact ones.
 *
 * @module
 */
import { readTensors } from "../../../impl/mod.ts";
import { chunkerBptt } from "../../../impl/fastweights/chunker/chunker.ts";
import { eigenSymmetric } from "../../../invariants/eigen_symmetric.ts";
import { fromRows } from "../../../invariants/matrix.ts";
import {
  CHUNKER_NORM_F64_SLACK,
  F32_MIN_NORMAL,
  track,
  trackBuiltins,
  type Tracked,
  U64,
} from "../../../invariants/tolerance.ts";
import {
  rnnBackward,
  type RnnDims,
  rnnForward,
  type RnnLossSpec,
} from "../../oracle/fastweights/chunker.ts";
import { Comparison } from "../../_harness/differential.ts";
import { referenceBounds } from "../unknown_delay/_bounds.ts";

/**
 * An f64 value `x` as the GPU's f32 copy of it: v = x, e = the rounding to f32 (plus |f32(x)|
 * when that is subnormal, which the GPU may flush to zero). Zero error for f32-exact values.
 *
 * @example
 * ```ts
 * import { rounded } from "./_bounds.ts";
 * console.assert(rounded(0.5).e === 0 && rounded(0.1).e > 0);
 * ```
 */
export function rounded(x: number): Tracked {
  const r = Math.fround(x);
  return { v: x, e: Math.abs(r - x) + (Math.abs(r) < F32_MIN_NORMAL ? Math.abs(r) : 0) };
}

/** One sequence: f64 parameters and start state (the GPU gets their f32 copies), inputs, losses. */
export interface GpuCase {
  params: Float64Array;
  h0: Float64Array;
  inputs: number[];
  targets: number[];
  ceWeight: number[];
  /** Label target per step, −1 for none. */
  labelTarget: number[];
}

/** What the GPU returned for one sequence, widened to f64. */
export interface GpuRun {
  hs: Float64Array;
  logits: Float64Array;
  labels: Float64Array;
  grads: Float64Array;
}

/**
 * Runs sequences of one net shape and length through `chunkerBptt` in one batch and reads
 * everything back (every GPU tensor is disposed, also when the readback fails).
 */
export async function runGpu(d: RnnDims, cases: GpuCase[]): Promise<GpuRun[]> {
  const T = cases[0]!.inputs.length;
  const cat = (f: (q: GpuCase) => ArrayLike<number>) => cases.flatMap((q) => Array.from(f(q)));
  const r = chunkerBptt(
    { vocab: d.vocab, hidden: d.hidden, out: d.out, label: d.label, steps: T },
    {
      params: Float32Array.from(cat((q) => q.params)),
      h0: Float32Array.from(cat((q) => q.h0)),
      inputs: Int32Array.from(cat((q) => q.inputs)),
      targets: Int32Array.from(cat((q) => q.targets)),
      ceWeight: Float32Array.from(cat((q) => q.ceWeight)),
      labelTarget: Float32Array.from(cat((q) => q.labelTarget)),
    },
  );
  let read: (Float32Array | Int32Array)[];
  try {
    read = await readTensors([r.hs, r.logits, r.labels, r.grads]);
  } finally {
    for (const t of Object.values(r)) t.dispose();
  }
  const [hs, logits, labels, grads] = read;
  const H = d.hidden;
  const O = d.out;
  const P = d.size;
  const part = (a: Float32Array | Int32Array | undefined, n: number, s: number) =>
    Float64Array.from(a!.subarray(s * n, (s + 1) * n));
  return cases.map((_, s) => ({
    hs: part(hs, (T + 1) * H, s),
    logits: part(logits, T * O, s),
    labels: part(labels, T, s),
    grads: part(grads, P, s),
  }));
}

/** One forward step of the kernel, h_t[j] = tanh((W_xh[j, x] + b_h[j]) + Σ_k W_hh[j, k]·h[k]). */
export function stepBounds(
  d: RnnDims,
  P: Tracked[],
  prev: readonly Tracked[],
  x: number,
): Tracked[] {
  const { hidden: H, vocab: V } = d;
  return Array.from({ length: H }, (_, j) => {
    let a = track.add(P[d.wxh + j * V + x]!, P[d.bh + j]!);
    for (let k = 0; k < H; k++) a = track.add(a, track.mul(P[d.whh + j * H + k]!, prev[k]!));
    return trackBuiltins.tanh(a);
  });
}

/** The kernel's read-out of a state: logits b_y + Σ W_hy·h, and σ(b_l + Σ W_hl·h). */
export function readoutBounds(
  d: RnnDims,
  P: Tracked[],
  h: readonly Tracked[],
): { z: Tracked[]; label: Tracked } {
  const H = d.hidden;
  const z = Array.from({ length: d.out }, (_, o) => {
    let s = P[d.by + o]!;
    for (let k = 0; k < H; k++) s = track.add(s, track.mul(P[d.why + o * H + k]!, h[k]!));
    return s;
  });
  let label: Tracked = { v: 0, e: 0 };
  if (d.label) {
    let s = P[d.bl]!;
    for (let k = 0; k < H; k++) s = track.add(s, track.mul(P[d.whl + k]!, h[k]!));
    const one = track.literal(1);
    label = track.div(one, track.add(one, trackBuiltins.exp(trackBuiltins.neg(s))));
  }
  return { z, label };
}

/**
 * The Euclidean norm √(Σ x²) in plain f64 (callers add CHUNKER_NORM_F64_SLACK).
 *
 * @example
 * ```ts
 * import { hypot } from "./_bounds.ts";
 * console.assert(hypot([3, 4]) === 5);
 * ```
 */
export const hypot = (xs: readonly number[]): number =>
  Math.sqrt(xs.reduce((s, x) => s + x * x, 0));

/**
 * Upper bound on ‖W‖₂ for the rows × cols block of `p` at `off`: √λ_max(W·Wᵀ), with the
 * Jacobi solver's eigenvalue bound and the f64 product's error γ_cols(f64)·‖|W|·|W|ᵀ‖_F added.
 *
 * @example
 * ```ts
 * import { spectralBound } from "./_bounds.ts";
 * const b = spectralBound(Float64Array.from([3, 0, 0, 4]), 0, 2, 2);
 * console.assert(b >= 4 && b < 4 + 1e-9);
 * ```
 */
export function spectralBound(p: Float64Array, off: number, rows: number, cols: number): number {
  const w = (i: number, k: number) => p[off + i * cols + k]!;
  const gram: number[][] = [];
  let absF = 0;
  for (let i = 0; i < rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < rows; j++) {
      let s = 0;
      let a = 0;
      for (let k = 0; k < cols; k++) {
        s += w(i, k) * w(j, k);
        a += Math.abs(w(i, k) * w(j, k));
      }
      row.push(s);
      absF += a * a;
    }
    gram.push(row);
  }
  const e = eigenSymmetric(fromRows(gram));
  const gammaF64 = (cols * U64) / (1 - cols * U64);
  return Math.sqrt(e.values[0]! + e.errorBound + gammaF64 * Math.sqrt(absF)) *
    (1 + CHUNKER_NORM_F64_SLACK);
}

/**
 * The backward kernel's evaluation order on given (tracked) states, logits and labels: the
 * max-shifted softmax (the computed max is within max_o e(z_o) of the exact one, charged to
 * every z_o − m), the heads' contributions through W_hy and W_hl, da = dh·(1 − h²), and the
 * carried Σ_j da_j·W_hh[j, :].
 *
 * The carried gradient's error ε_t is bounded norm-wise, not element-wise (an element-wise
 * worst case grows by the column sums of |W_hh| per step, useless over 21 or 1199 steps).
 * With c_{t−1} = W_hhᵀ·D_t·(c_t + heads_t) exact (D_t = diag(1 − h_t²) of the given states) and
 * Φ̂_t the kernel's step: ĉ_{t−1} − c_{t−1} = [Φ̂_t(ĉ_t) − Φ_t(ĉ_t)] + W_hhᵀ·D_t·ε_t, so
 * ‖ε_{t−1}‖₂ ≤ ‖W_hh‖₂·max_j D_t[j]·‖ε_t‖₂ + ‖r_t‖₂. The replay runs each step with the
 * carry's element-wise error set to η_t = ‖ε_t‖₂ (|ε_t[k]| ≤ η_t), which bounds every gradient
 * contribution of the step; its carry bound is Σ_j |W_hh[j, k]|·D_t[j]·η_t (the linear part)
 * plus the rest (roundings at the inflated magnitudes, parameter rounding, heads, and
 * second-order terms), so r_t[k] ≤ e_k − Σ_j |W_hh[j, k]|·D_t[j]·η_t.
 *
 * With `propagation: "linear"` the carried error is instead propagated through the exact
 * per-step maps: ε_{t−1} = A_t·ε_t + r_t with A_t = W_hhᵀ·D_t known exactly (the given states
 * and the f32 parameters), so ε_s = Σ_t A_{s+1}⋯A_t·r_t lies in the zonotope spanned by the
 * columns A_{s+1}⋯A_t·diag(r_t), and |ε_s[k]| ≤ η_s[k] = Σ_col |G_s[k, col]| element-wise
 * (each step runs with |ε_t[k]| ≤ η_t[k], and r_t[k] ≤ e_k − Σ_j |W_hh[j, k]|·D_t[j]·η_t[j]),
 * plus a norm-wise bound on the f64 products' own rounding.
 * It costs H³·T²/2 f64 operations and, unlike ‖W_hh‖₂^T, stays finite and tight for a trained
 * W_hh (‖W_hh‖₂ ≈ 3 after chunker-22 training, 3²¹ ≈ 10¹⁰, where the product of the 21 exact
 * Jacobians has norm below 0.05); use it for short sequences.
 */
export function backwardBounds(
  d: RnnDims,
  P: Tracked[],
  q: GpuCase,
  hs: readonly Tracked[][],
  zs: readonly Tracked[][],
  labels: readonly Tracked[],
  whhNorm: number,
  propagation: "norm" | "linear" = "norm",
): Tracked[] {
  const { hidden: H, vocab: V, out: O } = d;
  const zero: Tracked = { v: 0, e: 0 };
  const one = track.literal(1);
  const g: Tracked[] = Array.from({ length: d.size }, () => zero);
  let carry: Tracked[] = Array.from({ length: H }, () => zero);
  let eta = 0;
  // "linear": the element-wise bound of the carried error and its generators (columns).
  let etaVec = new Float64Array(H);
  let gens: Float64Array[] = [];
  let f64Err = 0;
  for (let t = q.inputs.length - 1; t >= 0; t--) {
    const h = hs[t + 1]!;
    const hp = hs[t]!;
    const z = zs[t]!;
    const dh = carry.map((c, k) => ({ v: c.v, e: propagation === "norm" ? eta : etaVec[k]! }));
    const m: Tracked = { v: Math.max(...z.map((u) => u.v)), e: Math.max(...z.map((u) => u.e)) };
    const ex = z.map((u) => trackBuiltins.exp(track.sub(u, m)));
    let sum = zero;
    for (const u of ex) sum = track.add(sum, u);
    const w = track.input(q.ceWeight[t]!);
    for (let o = 0; o < O; o++) {
      const dz = track.mul(w, track.sub(track.div(ex[o]!, sum), o === q.targets[t] ? one : zero));
      g[d.by + o] = track.add(g[d.by + o]!, dz);
      for (let k = 0; k < H; k++) {
        const i = d.why + o * H + k;
        g[i] = track.add(g[i]!, track.mul(dz, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dz, P[i]!));
      }
    }
    const lt = q.labelTarget[t]!;
    if (d.label && lt >= 0) {
      const dl = track.sub(labels[t]!, track.input(lt));
      g[d.bl] = track.add(g[d.bl]!, dl);
      for (let k = 0; k < H; k++) {
        g[d.whl + k] = track.add(g[d.whl + k]!, track.mul(dl, h[k]!));
        dh[k] = track.add(dh[k]!, track.mul(dl, P[d.whl + k]!));
      }
    }
    const da = h.map((hj, j) => track.mul(dh[j]!, track.sub(one, track.mul(hj, hj))));
    const x = q.inputs[t]!;
    for (let j = 0; j < H; j++) {
      g[d.bh + j] = track.add(g[d.bh + j]!, da[j]!);
      g[d.wxh + j * V + x] = track.add(g[d.wxh + j * V + x]!, da[j]!);
    }
    carry = Array.from({ length: H }, () => zero);
    for (let j = 0; j < H; j++) {
      for (let k = 0; k < H; k++) {
        const i = d.whh + j * H + k;
        g[i] = track.add(g[i]!, track.mul(da[j]!, hp[k]!));
        carry[k] = track.add(carry[k]!, track.mul(da[j]!, P[i]!));
      }
    }
    const dt = h.map((hj) => Math.abs(1 - hj.v * hj.v));
    if (propagation === "linear") {
      const w = (j: number, k: number) => P[d.whh + j * H + k]!.v;
      const rest = carry.map((c, k) => {
        let lin = 0;
        for (let j = 0; j < H; j++) lin += Math.abs(w(j, k)) * dt[j]! * etaVec[j]!;
        return Math.max(0, c.e - lin) + CHUNKER_NORM_F64_SLACK * c.e;
      });
      // A_t·col: (W_hhᵀ·D_t·col)[k] = Σ_j W_hh[j, k]·D_t[j]·col[j] (D_t = 1 − h_j² ≥ 0).
      const next = gens.map((col) => {
        const out = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          const c = dt[j]! * col[j]!;
          if (c !== 0) { for (let k = 0; k < H; k++) out[k]! += w(j, k) * c; }
        }
        return out;
      });
      rest.forEach((r, k) => {
        if (r > 0) {
          const col = new Float64Array(H);
          col[k] = r;
          next.push(col);
        }
      });
      // The f64 products' own error, norm-wise: each product adds ≤ γ_H(f64)·‖A_t‖_F·‖col‖₂
      // and carries the earlier errors through ‖A_t‖₂ ≤ ‖W_hh‖₂·max_j D_t[j].
      let frob = 0;
      for (let j = 0; j < H; j++) for (let k = 0; k < H; k++) frob += (w(j, k) * dt[j]!) ** 2;
      const gammaF64 = (H * U64) / (1 - H * U64);
      const mass = gens.reduce((sum, col) => sum + hypot(Array.from(col)), 0);
      f64Err = (whhNorm * Math.max(...dt) * f64Err + gammaF64 * Math.sqrt(frob) * mass) *
        (1 + CHUNKER_NORM_F64_SLACK);
      gens = next;
      etaVec = new Float64Array(H).fill(f64Err);
      for (const col of gens) for (let k = 0; k < H; k++) etaVec[k]! += Math.abs(col[k]!);
      for (let k = 0; k < H; k++) etaVec[k]! *= 1 + CHUNKER_NORM_F64_SLACK;
      continue;
    }
    const rest = carry.map((c, k) => {
      let lin = 0;
      for (let j = 0; j < H; j++) lin += Math.abs(P[d.whh + j * H + k]!.v) * dt[j]!;
      return Math.max(0, c.e - lin * eta) + CHUNKER_NORM_F64_SLACK * c.e;
    });
    eta = (whhNorm * Math.max(...dt) * eta + hypot(rest)) * (1 + CHUNKER_NORM_F64_SLACK);
  }
  return g;
}

/** `n` values of `a` from `from` as exact tracked inputs (e = 0). */
export const exact = (a: ArrayLike<number>, from: number, n: number): Tracked[] =>
  Array.from({ length: n }, (_, i) => track.input(a[from + i]!));

/** Per-step local bounds of a run (each at the GPU's own previous state / state). */
export interface LocalBounds {
  /** [T][H] bounds of h_t from the GPU's h_{t−1}. */
  h: Tracked[][];
  /** [T][O] bounds of the logits from the GPU's h_t. */
  z: Tracked[][];
  /** [T] bounds of the σ read-out from the GPU's h_t. */
  label: Tracked[];
}

/**
 * Step-local comparison of one GPU run, added to `cmp` as outputs `<name> states (local)`,
 * `… logits (local)`, `… labels (local)` and `… gradients (local)`: states from the GPU's
 * previous state (reference: the oracle's step), logits and labels from the GPU's state
 * (reference: the f64 read-out), and gradients from the oracle's BPTT on the GPU's trajectory.
 */
export function checkLocal(
  cmp: Comparison,
  name: string,
  d: RnnDims,
  q: GpuCase,
  g: GpuRun,
  P: Tracked[],
  whhNorm: number,
): LocalBounds {
  const { hidden: H, out: O } = d;
  const T = q.inputs.length;
  const hsT: Tracked[][] = [exact(g.hs, 0, H)];
  const zsT: Tracked[][] = [];
  const labT: Tracked[] = [];
  const hRef = new Float64Array(T * H);
  const lb: LocalBounds = { h: [], z: [], label: [] };
  for (let t = 0; t < T; t++) {
    const prev = g.hs.subarray(t * H, (t + 1) * H);
    hRef.set(rnnForward(d, q.params, prev, [q.inputs[t]!]).h.subarray(H), t * H);
    lb.h.push(stepBounds(d, P, exact(prev, 0, H), q.inputs[t]!));
    const cur = exact(g.hs, (t + 1) * H, H);
    hsT.push(cur);
    const r = readoutBounds(d, P, cur);
    lb.z.push(r.z);
    lb.label.push(r.label);
    zsT.push(exact(g.logits, t * O, O));
    labT.push(track.input(g.labels[t]!));
  }
  cmp.add(`${name} states (local)`, g.hs.subarray(H), hRef, referenceBounds(lb.h.flat()));
  const z = lb.z.flat();
  cmp.add(`${name} logits (local)`, g.logits, z.map((u) => u.v), referenceBounds(z));
  if (d.label) {
    cmp.add(
      `${name} labels (local)`,
      g.labels,
      lb.label.map((u) => u.v),
      referenceBounds(lb.label),
    );
  }
  const f = { h: g.hs, logits: g.logits, label: g.labels };
  const spec: RnnLossSpec = {
    targets: q.targets,
    ceWeight: q.ceWeight,
    labelTarget: q.labelTarget.map((x) => (x < 0 ? NaN : x)),
  };
  const ref = rnnBackward(d, q.params, q.inputs, f, spec);
  const gb = backwardBounds(d, P, q, hsT, zsT, labT, whhNorm);
  cmp.add(`${name} gradients (local)`, g.grads, ref, referenceBounds(gb));
  return lb;
}

/** Global bounds of one sequence: each value is the f64 run's, each error bounds |GPU − f64|. */
export interface GlobalBounds {
  /** [T + 1][H] states (row 0: h₀, its error the rounding of h₀ to f32). */
  hs: Tracked[][];
  /** [T][O] logits. */
  logits: Tracked[][];
  /** [T] σ read-outs (value 0 without a label head). */
  labels: Tracked[];
  /** BPTT gradients of the sequence's loss, [size]. */
  grads: Tracked[];
}

/**
 * Global bounds from h₀ against the f64 run on the case's (f64) parameters and h₀. States: ĥ_t − h_t = [Φ̂(ĥ_{t−1}) − Φ(ĥ_{t−1})] +
 * [Φ(ĥ_{t−1}) − Φ(h_{t−1})]; the first is the local step bound, the second is tanh (1-Lipschitz
 * per element) of W_hh·ε_{t−1}, so ‖ε_t‖₂ ≤ ‖W_hh‖₂·‖ε_{t−1}‖₂ + ‖local_t‖₂, from
 * ε₀ = f32(h₀) − h₀. Read-outs add the local read-out bound to ‖W_hy[o, :]‖₂·‖ε_t‖₂ (σ: a
 * quarter of ‖W_hl‖₂·‖ε_t‖₂); the gradients replay the backward pass on these tracked values.
 */
export function globalBounds(
  d: RnnDims,
  q: GpuCase,
  P: Tracked[],
  lb: LocalBounds,
  whhNorm: number,
): GlobalBounds {
  const { hidden: H, out: O } = d;
  const ref = rnnForward(d, q.params, q.h0, q.inputs);
  const rowNorm = (off: number) =>
    hypot(Array.from({ length: H }, (_, k) => q.params[off + k]!)) * (1 + CHUNKER_NORM_F64_SLACK);
  const why = Array.from({ length: O }, (_, o) => rowNorm(d.why + o * H));
  const whl = d.label ? rowNorm(d.whl) : 0;
  let eta = hypot(Array.from(q.h0, (x) => Math.fround(x) - x));
  const hs: Tracked[][] = [Array.from(q.h0, (v) => ({ v, e: eta }))];
  const logits: Tracked[][] = [];
  const labels: Tracked[] = [];
  for (let t = 0; t < q.inputs.length; t++) {
    eta = (whhNorm * eta + hypot(lb.h[t]!.map((u) => u.e))) * (1 + CHUNKER_NORM_F64_SLACK);
    hs.push(Array.from({ length: H }, (_, k) => ({ v: ref.h[(t + 1) * H + k]!, e: eta })));
    logits.push(
      lb.z[t]!.map((u, o) => ({ v: ref.logits[t * O + o]!, e: u.e + why[o]! * eta })),
    );
    labels.push({ v: d.label ? ref.label[t]! : 0, e: lb.label[t]!.e + 0.25 * whl * eta });
  }
  return { hs, logits, labels, grads: backwardBounds(d, P, q, hs, logits, labels, whhNorm) };
}

/** No label target at any of `n` steps. */
export const noLabels = (n: number): number[] => new Array<number>(n).fill(-1);

/** Parameters as tracked inputs charged their rounding to f32 (see {@link rounded}). */
export const trackedParams = (p: Float64Array): Tracked[] => Array.from(p, rounded);

/** The GPU run of one sequence, its bound on ‖W_hh‖₂ and its global bounds from h₀. */
export interface Checked {
  run: GpuRun;
  /** Upper bound on ‖W_hh‖₂ (`spectralBound`). */
  whhNorm: number;
  global: GlobalBounds;
}

/**
 * Runs a batch (one net shape and length) on the GPU, adds every sequence's step-local
 * comparison (`checkLocal`, labelled `names[s]`) to `cmp`, or to `cmp[s]` when given one per
 * sequence, and returns each sequence's global bounds from h₀.
 */
export async function checkBatch(
  cmp: Comparison | readonly Comparison[],
  names: string[],
  d: RnnDims,
  cases: GpuCase[],
): Promise<Checked[]> {
  const runs = await runGpu(d, cases);
  return cases.map((q, s) => {
    const P = trackedParams(q.params);
    const whhNorm = spectralBound(q.params, d.whh, d.hidden, d.hidden);
    const into = cmp instanceof Comparison ? cmp : cmp[s];
    if (into === undefined) {
      throw new TypeError(
        `Cannot check sequence ${s}: expected one comparison per sequence but got ` +
          `${(cmp as readonly Comparison[]).length}`,
      );
    }
    const lb = checkLocal(into, names[s]!, d, q, runs[s]!, P, whhNorm);
    return { run: runs[s]!, whhNorm, global: globalBounds(d, q, P, lb, whhNorm) };
  });
}
